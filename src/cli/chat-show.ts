import { loadModelDetails, reconstructModelfile, renderParameters, renderShow, type ModelDetails } from "../inspect/index.js";
import { Store } from "../store/store.js";
import type { ChatSession } from "./chat.js";

/**
 * `/show info|license|modelfile|parameters|system|template` in the chat, with
 * Ollama's texts for what a model lacks (cmd/interactive.go). The session's
 * `/set system` and `/set parameter` show as the model's would, as Ollama's
 * Show request carries them: `/show modelfile` includes them, `/show
 * parameters` lists them apart as "User defined parameters".
 */
export async function showSection(s: ChatSession, what: string, storeRoot: string, out: (t: string) => void, err: (t: string) => void): Promise<void> {
  const store = new Store(storeRoot);
  let d: ModelDetails;
  try {
    d = await loadModelDetails(store, s.model.name);
  } catch {
    out("error: couldn't get model");
    return;
  }
  switch (what) {
    case "info":
      err(renderShow(d));
      return;
    case "license":
      out(d.licenses.length > 0 ? d.licenses.join("\n") : "No license was specified for this model.");
      return;
    case "modelfile": {
      const session: ModelDetails = { ...d, ...(s.system !== undefined ? { system: s.system } : {}), parameters: { ...d.parameters, ...s.options } };
      out(reconstructModelfile(session, (digest) => store.blobPath(digest)));
      return;
    }
    case "parameters": {
      out("Model defined parameters:");
      const own = renderParameters(d.parameters).trimEnd();
      out(own === "" ? "  No additional parameters were specified for this model." : own.split("\n").map((l) => `  ${l}`).join("\n"));
      out("");
      if (Object.keys(s.options).length > 0) {
        out("User defined parameters:");
        for (const [k, v] of Object.entries(s.options)) out(`  ${k.padEnd(30)} ${Array.isArray(v) ? `[${v.join(" ")}]` : String(v)}`);
        out("");
      }
      return;
    }
    case "system":
      out(s.system !== undefined && s.system !== "" ? `${s.system}\n` : d.system ? `${d.system}\n` : "No system message was specified for this model.");
      return;
    case "template":
      out(d.template ? d.template : "No prompt template was specified for this model.");
      return;
    default:
      out(`Unknown command '/show ${what}'. Type /? for help`);
  }
}
