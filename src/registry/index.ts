/** The OCI distribution client: pull and push of whole models, and the sources FROM uses (registry-source.ts). */
export { pullModel, type PullEvent, type PullResult } from "./pull.js";
export { pushManifest, type PushEvent, type PushResult } from "./push.js";
export { parseRegistryArgument } from "./parse-target.js";
export { describeRemote, remoteOf, storeNameOf, type RegistryReference, type Remote } from "./remote.js";
