# resetkit as a container: `docker build -t resetkit .` then `docker run -p 8080:8080 resetkit`.
# The image serves the mock by default; `docker run resetkit conform --target ...` runs a conformance check.
FROM python:3.11-slim AS build
WORKDIR /src
COPY . .
RUN python -m pip install --no-cache-dir build && python -m build --wheel --outdir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 resetkit
COPY --from=build /wheels/ /wheels/
# install: the same command tests/packaging runs against the wheel it builds (keep the two identical)
RUN python -m pip install --no-cache-dir "$(ls /wheels/resetkit-*.whl)[conform,redis]" && rm -rf /wheels
# --state FILE lives here (compose.yaml mounts a volume; a fresh volume takes this folder's owner)
RUN mkdir /data && chown resetkit /data
USER resetkit
WORKDIR /home/resetkit
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/__admin/health', timeout=2)"]
ENTRYPOINT ["resetkit"]
# /__admin (the outbox with every reset token) needs the admin token: `docker run -e RESETKIT_ADMIN_TOKEN=...`; without
# one, serve makes one and prints it with the inbox link that carries it (`docker logs`). /__admin/health stays open.
CMD ["serve", "--host", "0.0.0.0", "--port", "8080"]
