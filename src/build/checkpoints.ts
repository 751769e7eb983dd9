import { error, type Diagnostic } from "../diagnostics/diagnostic.js";
import { InputError } from "../diagnostics/errors.js";
import { isCheckpointPin } from "../resolve/checkpoint.js";
import { formatReference } from "../resolve/format-reference.js";
import { materializeCheckpoint } from "../resolve/sources/materialize.js";
import type { Pin } from "../resolve/sources/pin.js";
import type { Store } from "../store/store.js";
import type { LoadedModel } from "./load.js";

/**
 * The models whose base is a safetensors checkpoint (`FROM hf://org/repo`
 * whose pin is a checkpoint index), once their files are fetched: each
 * checkpoint is laid out as a directory (materializeCheckpoint, every blob
 * checked) for the conversion to GGUF. That conversion (src/convert/, issue
 * 12 item 2) is not in this build: each such model is InputError MS4405 at
 * its FROM line, after the download, so that a later build converts from the
 * store without the network.
 */
export async function convertCheckpoints(models: readonly LoadedModel[], pins: ReadonlyMap<string, Pin>, store: Store): Promise<void> {
  const problems: Diagnostic[] = [];
  for (const m of models) {
    if (m.base.kind === "project") continue;
    const pin = pins.get(formatReference(m.base));
    if (!pin || !isCheckpointPin(pin)) continue;
    const laid = await materializeCheckpoint(store, pin);
    try {
      problems.push(
        error("MS4405", `${pin.source} is a safetensors checkpoint (${laid.files.size} files, downloaded and verified): converting it to GGUF is not in this build of modelsmith`, {
          ...m.at,
          hint: "use a GGUF repository (`hf://<org>/<repo>` holding one .gguf) or file (`hf://<org>/<repo>/<file>.gguf`) meanwhile",
        }),
      );
    } finally {
      await laid.dispose();
    }
  }
  if (problems.length) throw new InputError(problems);
}
