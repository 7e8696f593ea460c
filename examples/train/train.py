"""Train a scikit-learn linear regression and export it to ONNX for Modelship.

    python train.py                         # plain least squares  -> model.onnx
    python train.py --alpha 0.1 --out v2.onnx   # ridge-regularised retrain

The model predicts disease progression one year on from ten baseline measurements of the diabetes
data set that ships with scikit-learn (Efron et al., 2004), the "classic" regression of countless
tutorials. The exported graph takes one float tensor named `input` of shape [batch, 10] and returns
one float tensor `variable` of shape [batch, 1]: that is what the runtime serves at
/v2/models/<name>/infer and /v1/models/<name>:predict.

Everything here is deterministic (fixed split seed, closed-form solvers), so the same inputs give a
byte-identical ONNX file and therefore the same sha256.
"""
import argparse
import hashlib
import os
import sys

import numpy as np
from skl2onnx import to_onnx
from skl2onnx.common.data_types import FloatTensorType
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.metrics import mean_absolute_error, r2_score
from sklearn.model_selection import train_test_split

# Opset 17 runs on every onnxruntime still in use, including the one bundled with onnxruntime-node.
TARGET_OPSET = 17


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alpha", type=float, default=0.0, help="L2 penalty; 0 trains plain LinearRegression, >0 Ridge")
    parser.add_argument("--test-size", type=float, default=0.2, help="fraction held out for evaluation (0 trains on everything)")
    parser.add_argument("--out", default="model.onnx", help="where to write the ONNX file")
    args = parser.parse_args()

    # 1. Data: 442 patients, 10 features (already mean-centred and scaled), one target.
    x, y = load_diabetes(return_X_y=True)
    # ONNX models here take float32; train on float32 so the exported weights are what was evaluated.
    x = x.astype(np.float32)

    # 2. Train, and measure on data the model has not seen.
    if args.test_size > 0:
        x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=args.test_size, random_state=42)
    else:
        x_train, x_test, y_train, y_test = x, x, y, y
    model = LinearRegression() if args.alpha == 0 else Ridge(alpha=args.alpha)
    model.fit(x_train, y_train)
    predicted = model.predict(x_test)
    print(f"trained {type(model).__name__}{'' if args.alpha == 0 else f'(alpha={args.alpha})'} on {len(x_train)} rows")
    where = "held-out" if args.test_size > 0 else "training (nothing held out)"
    print(f"{where} R^2 {r2_score(y_test, predicted):.3f}, mean absolute error {mean_absolute_error(y_test, predicted):.1f}")

    # 3. Export. The input name and its dynamic batch dimension are the model's serving signature.
    onnx_model = to_onnx(
        model,
        initial_types=[("input", FloatTensorType([None, x.shape[1]]))],
        target_opset=TARGET_OPSET,
    )
    data = onnx_model.SerializeToString()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "wb") as out:
        out.write(data)

    # 4. The digest to pin in spec.model.sha256 (the same as `sha256sum model.onnx`).
    print(f"wrote {args.out} ({len(data)} bytes)")
    print(f"sha256 {hashlib.sha256(data).hexdigest()}")

    # 5. Sanity check: the first row, as the runtime will see it.
    print(f"prediction for row 0: {float(model.predict(x[:1])[0]):.2f} (target {y[0]:.0f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
