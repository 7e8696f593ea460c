"""The seed baseline: scikit-learn behind Flask, as the classic "deploy your model" articles write it.

Same model as runtime/fixtures/linear_regression.onnx: LinearRegression on the bundled diabetes data.
Run with: gunicorn -w 2 --chdir bench/servers flask_app:app
"""
import numpy as np
from flask import Flask, jsonify, request
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression

features, target = load_diabetes(return_X_y=True)
model = LinearRegression().fit(features, target)

app = Flask(__name__)


@app.route("/predict", methods=["POST"])
def predict():
    data = request.get_json()
    prediction = model.predict(np.array(data["features"]).reshape(1, -1))
    return jsonify({"prediction": prediction.tolist()})


@app.route("/health")
def health():
    return "ok"
