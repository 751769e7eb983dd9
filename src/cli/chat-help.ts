/**
 * The chat's help texts, as Ollama's `ollama run` prints them (to stderr),
 * less what modelsmith's chat does not have (`/save`, `/list`, history,
 * word wrap, thinking, images; see docs/decisions.md).
 * https://github.com/ollama/ollama/blob/main/cmd/interactive.go
 */

/** `/?`: the commands. Also the epilog of `run --help`. */
export function chatUsage(): string {
  return [
    "Available Commands:",
    "  /set            Set session variables",
    "  /show           Show model information",
    "  /load <model>   Load a model",
    "  /clear          Clear session context",
    "  /bye            Exit",
    "  /?, /help       Help for a command",
    "",
    'Use """ to begin a multi-line message.',
    "",
    "",
  ].join("\n");
}

/** `/set` alone, or `/? set`. */
export function setUsage(): string {
  return [
    "Available Commands:",
    "  /set parameter ...     Set a parameter",
    "  /set system <string>   Set system message",
    "  /set format json       Enable JSON mode",
    "  /set noformat          Disable formatting",
    "  /set verbose           Show LLM stats",
    "  /set quiet             Disable LLM stats",
    "",
    "",
  ].join("\n");
}

/** `/show` alone, or `/? show`. */
export function showUsage(): string {
  return [
    "Available Commands:",
    "  /show info         Show details for this model",
    "  /show license      Show model license",
    "  /show modelfile    Show Modelfile for this model",
    "  /show parameters   Show parameters for this model",
    "  /show system       Show system message",
    "  /show template     Show prompt template",
    "",
    "",
  ].join("\n");
}

/** `/set parameter` without a name and value: the common parameters. */
export function parametersUsage(): string {
  return [
    "Available Parameters:",
    "  /set parameter seed <int>             Random number seed",
    "  /set parameter num_predict <int>      Max number of tokens to predict",
    "  /set parameter top_k <int>            Pick from top k num of tokens",
    "  /set parameter top_p <float>          Pick token based on sum of probabilities",
    "  /set parameter min_p <float>          Pick token based on top token probability * min_p",
    "  /set parameter num_ctx <int>          Set the context size",
    "  /set parameter temperature <float>    Set creativity level",
    "  /set parameter repeat_penalty <float> How strongly to penalize repetitions",
    "  /set parameter repeat_last_n <int>    Set how far back to look for repetitions",
    "  /set parameter num_gpu <int>          The number of layers to send to the GPU",
    "  /set parameter stop <string> <string> ...   Set the stop parameters",
    "",
    "",
  ].join("\n");
}
