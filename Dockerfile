# The bot as one image for every role (`imagine-bot run`, `imagine-bot worker`).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY data ./data
RUN pip install --no-cache-dir . && useradd --create-home bot
USER bot
# SIGTERM is what `docker stop` sends: the bot hands its jobs back and exits cleanly.
ENV MODELS_FILE=/app/data/models.toml INTENTS_FILE=/app/data/intents.toml
STOPSIGNAL SIGTERM
CMD ["imagine-bot", "run"]
