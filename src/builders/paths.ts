/** Where things live inside a runtime pod: the volumes' mount paths and the files in them. */
export const MODEL_DIR = '/mnt/models';
export const MODEL_FILE = `${MODEL_DIR}/model.onnx`;
export const PVC_ROOT = '/mnt/pvc';
export const AUTH_TOKEN_DIR = '/var/run/secrets/modelship/auth';
export const AUTH_TOKEN_FILE = `${AUTH_TOKEN_DIR}/token`;
export const TMP_DIR = '/tmp';
export const HTTP_PORT = 8080;
export const SERVICE_PORT = 80;
/** The runtime's gRPC port, the same number on the Service (KServe's convention). */
export const GRPC_PORT = 8081;
export const READY_PATH = '/v2/health/ready';
export const LIVE_PATH = '/v2/health/live';
