"""Drives a running modelship runtime with Triton's and KServe's own Python clients, over REST and gRPC,
and compares every answer with onnxruntime's output for the same input.

Usage: peer_clients.py {triton|kserve} --http HOST:PORT --grpc HOST:PORT --model FILE --name NAME --token TOKEN
Each family runs in its own process: both register the protocol's protobuf package `inference` in protobuf's
default descriptor pool, which refuses the second. Prints one JSON object per check: {"check": ..., "ok": true|false, "detail": ...}. Test support only.
"""
import argparse
import asyncio
import json
import sys
import traceback

import numpy as np
import onnxruntime

ROWS = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5]], dtype=np.float32)
# 9,000 rows, 144 KB: more than an HTTP/2 stream's default window, so the request waits for the server's
# WINDOW_UPDATE (the runtime lets a message larger than that window in only once it has room for it).
BIG_ROWS = np.tile(ROWS, (3000, 1))


def report(name, ok, detail=""):
    print(json.dumps({"check": name, "ok": bool(ok), "detail": str(detail)}), flush=True)


def check(name, run):
    try:
        outcome = run()
        ok, detail = outcome if isinstance(outcome, tuple) else (outcome, "")
        report(name, ok, detail)
    except Exception:
        report(name, False, traceback.format_exc(limit=3))


async def check_async(name, run):
    try:
        outcome = await run()
        ok, detail = outcome if isinstance(outcome, tuple) else (outcome, "")
        report(name, ok, detail)
    except Exception:
        report(name, False, traceback.format_exc(limit=3))


def same_outputs(label, probabilities, expected):
    ok = np.array_equal(label, expected[0]) and np.allclose(probabilities, expected[1], rtol=1e-6, atol=1e-7)
    return ok, f"label {label.tolist()} probabilities {probabilities.tolist()} expected {expected[0].tolist()} {expected[1].tolist()}"


def triton_http_checks(url, name, token, expected):
    import tritonclient.http as triton_http

    headers = {"Authorization": f"Bearer {token}"}
    client = triton_http.InferenceServerClient(url)
    check("triton-http live, ready, model ready", lambda: client.is_server_live() and client.is_server_ready() and client.is_model_ready(name, headers=headers))
    check("triton-http server metadata", lambda: (client.get_server_metadata()["name"] == "modelship-runtime", client.get_server_metadata()))

    def metadata():
        meta = client.get_model_metadata(name, headers=headers)
        return meta["inputs"][0]["name"] == "input" and meta["inputs"][0]["datatype"] == "FP32", meta

    check("triton-http model metadata", metadata)

    def infer(binary):
        tensor = triton_http.InferInput("input", list(ROWS.shape), "FP32")
        tensor.set_data_from_numpy(ROWS, binary_data=binary)
        outputs = [triton_http.InferRequestedOutput(n, binary_data=binary) for n in ("label", "probabilities")]
        result = client.infer(name, [tensor], outputs=outputs, headers=headers)
        return same_outputs(result.as_numpy("label"), result.as_numpy("probabilities"), expected)

    check("triton-http infer, JSON tensors", lambda: infer(False))
    check("triton-http infer, binary tensor extension", lambda: infer(True))

    def config():
        found = client.get_model_config(name, headers=headers)
        ok = found["max_batch_size"] > 0 and found["input"][0] == {"name": "input", "data_type": "TYPE_FP32", "dims": [4]}
        return ok and found["output"][1]["dims"] == [3], found

    check("triton-http model config", config)

    def statistics():
        stats = client.get_inference_statistics(name, headers=headers)["model_stats"][0]
        ok = stats["name"] == name and stats["inference_count"] >= 6 and stats["inference_stats"]["success"]["count"] >= 2
        return ok, stats

    check("triton-http statistics", statistics)


def triton_grpc_checks(url, name, token, expected, expected_big):
    import tritonclient.grpc as triton_grpc
    from tritonclient.utils import InferenceServerException

    headers = {"authorization": f"Bearer {token}"}
    client = triton_grpc.InferenceServerClient(url)
    check("triton-grpc live, ready, model ready", lambda: client.is_server_live() and client.is_server_ready() and client.is_model_ready(name, headers=headers))
    check("triton-grpc server metadata", lambda: (client.get_server_metadata(as_json=True)["name"] == "modelship-runtime", client.get_server_metadata(as_json=True)))

    def metadata():
        meta = client.get_model_metadata(name, headers=headers, as_json=True)
        return meta["inputs"][0] == {"name": "input", "datatype": "FP32", "shape": ["-1", "4"]}, meta

    check("triton-grpc model metadata", metadata)

    def infer():
        tensor = triton_grpc.InferInput("input", list(ROWS.shape), "FP32")
        tensor.set_data_from_numpy(ROWS)
        outputs = [triton_grpc.InferRequestedOutput(n) for n in ("label", "probabilities")]
        result = client.infer(name, [tensor], outputs=outputs, headers=headers)
        return same_outputs(result.as_numpy("label"), result.as_numpy("probabilities"), expected)

    check("triton-grpc infer, raw contents", infer)

    def infer_big():
        tensor = triton_grpc.InferInput("input", list(BIG_ROWS.shape), "FP32")
        tensor.set_data_from_numpy(BIG_ROWS)
        outputs = [triton_grpc.InferRequestedOutput(n) for n in ("label", "probabilities")]
        result = client.infer(name, [tensor], outputs=outputs, headers=headers)
        ok, _ = same_outputs(result.as_numpy("label"), result.as_numpy("probabilities"), expected_big)
        return ok, f"{len(result.as_numpy('label'))} labels"

    check("triton-grpc infer, a request larger than a stream window", infer_big)

    def unauthenticated():
        tensor = triton_grpc.InferInput("input", list(ROWS.shape), "FP32")
        tensor.set_data_from_numpy(ROWS)
        try:
            client.infer(name, [tensor])
        except InferenceServerException as error:
            return error.status() == "StatusCode.UNAUTHENTICATED", f"{error.status()}: {error.message()}"
        return False, "answered without a token"

    check("triton-grpc infer without a token is UNAUTHENTICATED", unauthenticated)

    def config():
        found = client.get_model_config(name, headers=headers, as_json=True)["config"]
        ok = found["max_batch_size"] > 0 and found["input"][0] == {"name": "input", "data_type": "TYPE_FP32", "dims": ["4"]}
        return ok, found

    check("triton-grpc model config", config)

    def statistics():
        stats = client.get_inference_statistics(name, headers=headers, as_json=True)["model_stats"][0]
        return stats["name"] == name and int(stats["inference_stats"]["success"]["count"]) >= 1, stats

    check("triton-grpc statistics", statistics)


async def kserve_checks(http_url, grpc_url, name, token, expected):
    from kserve import InferenceGRPCClient, InferenceRESTClient, RESTConfig
    from kserve.protocol.infer_type import InferInput, InferRequest

    headers = {"Authorization": f"Bearer {token}"}
    rest = InferenceRESTClient(RESTConfig(protocol="v2"))
    base = f"http://{http_url}"
    await check_async("kserve-rest live, ready, model ready", lambda: all_true(rest.is_server_live(base), rest.is_server_ready(base), rest.is_model_ready(base, name, headers=headers)))

    async def rest_infer(binary):
        tensor = InferInput("input", list(ROWS.shape), "FP32")
        tensor.set_data_from_numpy(ROWS, binary_data=binary)
        response = await rest.infer(base, InferRequest(model_name=name, infer_inputs=[tensor]), model_name=name, headers=headers)
        outputs = {output.name: output.as_numpy() for output in response.outputs}
        return same_outputs(outputs["label"], outputs["probabilities"], expected)

    await check_async("kserve-rest infer, JSON tensors", lambda: rest_infer(False))
    await check_async("kserve-rest infer, binary tensor extension", lambda: rest_infer(True))
    await rest.close()

    grpc_headers = [("authorization", f"Bearer {token}")]
    client = InferenceGRPCClient(grpc_url, retries=2)
    await check_async("kserve-grpc live, ready, model ready", lambda: all_true(client.is_server_live(), client.is_server_ready(), client.is_model_ready(name, headers=grpc_headers)))

    async def grpc_infer(raw):
        tensor = InferInput("input", list(ROWS.shape), "FP32")
        if raw:
            tensor.set_data_from_numpy(ROWS)
        else:
            tensor = InferInput("input", list(ROWS.shape), "FP32", data=ROWS.flatten().tolist())
        response = await client.infer(InferRequest(model_name=name, infer_inputs=[tensor]), headers=grpc_headers)
        outputs = {output.name: output.as_numpy() for output in response.outputs}
        return same_outputs(outputs["label"], outputs["probabilities"], expected)

    await check_async("kserve-grpc infer, typed contents", lambda: grpc_infer(False))
    await check_async("kserve-grpc infer, raw contents", lambda: grpc_infer(True))
    await client.close()


async def all_true(*waits):
    answers = [await wait for wait in waits]
    return all(answers), answers


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("family", choices=["triton", "kserve"])
    for flag in ("--http", "--grpc", "--model", "--name", "--token"):
        parser.add_argument(flag, required=True)
    args = parser.parse_args()
    # kserve parses sys.argv for its own server flags when imported; it must not see ours.
    sys.argv = sys.argv[:1]
    session = onnxruntime.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    expected = session.run(["label", "probabilities"], {"input": ROWS})
    if args.family == "triton":
        triton_http_checks(args.http, args.name, args.token, expected)
        expected_big = session.run(["label", "probabilities"], {"input": BIG_ROWS})
        triton_grpc_checks(args.grpc, args.name, args.token, expected, expected_big)
    else:
        asyncio.run(kserve_checks(args.http, args.grpc, args.name, args.token, expected))


if __name__ == "__main__":
    main()
