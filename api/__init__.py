"""The FastAPI service over the built graph (``kg serve``)."""
