import { defineCodes } from "../diagnostics/registry.js";

/** Diagnostics of network sources: downloads, the OCI distribution client, Hugging Face (MS56xx). */
export const REGISTRY_CODES = defineCodes({
  MS5601: {
    title: "download failed",
    example: "FROM https://example.com/model.gguf   (the server answered 404, or the connection dropped)",
    fix: "Check the reference and the network, then run again: a download resumes where it stopped.",
  },
  MS5602: {
    title: "downloaded bytes do not match the pin",
    example: "FROM https://example.com/model.gguf#sha256=<another file's digest>",
    fix: "The server sent other bytes than the pinned digest names; nothing was stored. Fix the pin, or the reference.",
  },
  MS5610: {
    title: "registry request failed",
    example: "modelsmith pull ollama://127.0.0.1:5000/library/fox   (nothing listens on port 5000, or the registry answered 500)",
    fix: "Check that the registry is up and the host and port are right, then run again. Plain http is used only for loopback hosts; every other host must speak https.",
  },
  MS5611: {
    title: "not found in the registry",
    example: "modelsmith pull ollama://registry.ollama.ai/library/llama9:latest",
    fix: "Check the repository name and the tag (or digest): the registry has no such manifest.",
  },
  MS5612: {
    title: "registry refused the credentials",
    example: "modelsmith push chat oci://ghcr.io/me/chat:1   (no credentials, or wrong ones)",
    fix: "Give credentials for the host in ~/.docker/config.json (`auths`, as `docker login` writes them) or MODELSMITH_REGISTRY_AUTH=user:password.",
  },
  MS5613: {
    title: "manifest does not match its pin",
    example: "FROM oci://127.0.0.1:5000/fox@sha256:<another manifest's digest>   (or a models.lock whose `layers:` the manifest does not list)",
    fix: "The registry sent a manifest whose sha256 is not the one pinned (or the one it announced), or one that lacks the layers models.lock records for it; nothing was stored. Check the pin; `modelsmith lock` writes the lock afresh.",
  },
  MS5614: {
    title: "not a model manifest",
    example: "FROM oci://docker.io/library/alpine:latest   (an image index, or an image without a GGUF layer)",
    fix: "Point the reference at a model: an Ollama model (layer application/vnd.ollama.image.model) or an OCI artifact with a GGUF layer (e.g. application/vnd.docker.ai.gguf.v3).",
  },
  MS5615: {
    title: "not a registry reference",
    example: "modelsmith push chat ./chat.gguf",
    fix: "pull and push take `ollama://[host/]namespace/model:tag`, a short Ollama name (`llama3:8b`) or `oci://host/repository[:tag]`.",
  },
  MS5616: {
    title: "registry refused an upload",
    example: "modelsmith push chat oci://127.0.0.1:5000/chat:1   (the registry is read-only, or rejects the manifest)",
    fix: "Read the registry's message; check that it accepts pushes to this repository and Docker v2 manifests.",
  },
  MS5617: {
    title: "invalid registry credentials setting",
    example: "MODELSMITH_REGISTRY_AUTH=alice   (no `:password`)",
    fix: "Write MODELSMITH_REGISTRY_AUTH as user:password, and keep ~/.docker/config.json valid JSON.",
  },
  MS5695: {
    title: "server timed out",
    example: "modelsmith pull ollama://127.0.0.1:5000/library/fox   (the registry accepts the connection and never answers)",
    fix: "Check that the server is up and reachable, then run again (downloads resume). The limits are MODELSMITH_HTTP_TIMEOUT (seconds to connect and get an answer, default 30), MODELSMITH_HTTP_IDLE_TIMEOUT (seconds without data, default 60) and MODELSMITH_HTTP_RETRIES (tries after the first, default 3).",
  },
  MS5696: {
    title: "registry answer too large",
    example: "modelsmith pull ollama://127.0.0.1:5000/library/fox   (a manifest of 1.5 GiB)",
    fix: "The registry is broken or hostile: a manifest is at most 4 MiB (the distribution registry's own limit). Pull from a registry you trust.",
  },
});
