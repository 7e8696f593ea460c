/**
 * The stack's limit: node:http and onnxruntime-node in one thread, no framework, no validation beyond what
 * it needs to not crash, no metrics. Speaks just enough of OIP v2 infer for the benchmark's request.
 * Usage: node bench/servers/raw-node-server.ts <model.onnx> <model-name> <port>
 */
import { createServer } from 'node:http';
import ort from 'onnxruntime-node';

const [modelPath, modelName, portText] = process.argv.slice(2);
if (modelPath === undefined || modelName === undefined || portText === undefined) {
  throw new Error('usage: raw-node-server.ts <model.onnx> <model-name> <port>');
}
const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1, logSeverityLevel: 3 });
const inferPath = `/v2/models/${modelName}/infer`;

interface JsonInput {
  name: string;
  shape: number[];
  data: number[];
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/ready') {
    res.writeHead(200).end('ok');
    return;
  }
  if (req.method !== 'POST' || req.url !== inferPath) {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    void (async () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { inputs: JsonInput[] };
        const feeds: Record<string, ort.Tensor> = {};
        for (const input of body.inputs) feeds[input.name] = new ort.Tensor('float32', Float32Array.from(input.data.flat()), input.shape);
        const results = await session.run(feeds);
        const outputs = Object.entries(results).map(([name, tensor]) => ({
          name,
          datatype: 'FP32',
          shape: tensor.dims,
          data: Array.from(tensor.data as Float32Array),
        }));
        const text = JSON.stringify({ model_name: modelName, outputs });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
      } catch (error) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(error) }));
      }
    })();
  });
});
server.listen(Number(portText), '127.0.0.1', () => process.stdout.write('ready\n'));
