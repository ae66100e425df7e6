# The naive image the container benchmark compares against: one stage, the whole project
# copied before the dependencies are installed (so any change reinstalls them), pip's cache
# and the test dependencies left in. Same base image as the project's Dockerfile.
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}
WORKDIR /app
COPY . .
RUN --mount=type=secret,id=pip-ca \
    if [ -s /run/secrets/pip-ca ]; then export PIP_CERT=/run/secrets/pip-ca; fi \
    && python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install -r requirements.txt
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH=/app/src \
    KAIZEN_MODEL_PATH=/app/models/model.joblib KAIZEN_METRICS_PATH=/app/metrics.json
CMD ["uvicorn", "kaizen_example.serve:app", "--host", "0.0.0.0", "--port", "8000"]
