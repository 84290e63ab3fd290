"""MLflow's model registry on a modelreg registry: a registry store plugin (store.py) found by
MLflow through the entry point group `mlflow.model_registry_store`, and the URIs it answers to
(uri.py). `pip install 'modelreg[mlflow]'`, then `MLFLOW_REGISTRY_URI=modelreg:///path/to/registry`.
See docs/mlflow.md."""
