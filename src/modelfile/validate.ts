import { error, warning, type Diagnostic, type SourceRange } from "../diagnostics/diagnostic.js";
import { LineIndex } from "../diagnostics/position.js";
import { didYouMean } from "../diagnostics/suggest.js";
import type { InstructionNode, ModelfileAst } from "./ast.js";
import { MESSAGE_ROLES, type FileReference, type MessageRole, type TypedModelfile } from "./instructions.js";
import { DEPRECATED_PARAMETERS, PARAMETERS, REMOVED_PARAMETERS, checkRange, parseScalar } from "./parameters.js";
import { isLocalPath } from "./references.js";
import { normalizeRequires } from "./requires.js";
import { checkTemplate } from "./template-check.js";

export interface AnalyzeOptions {
  /** Parse TEMPLATE as a Go template (default true). */
  checkTemplate?: boolean;
}

export interface AnalysisResult {
  modelfile: TypedModelfile;
  /** Files the Modelfile names (local FROM, ADAPTER, FORMAT schema), for the IO layer. */
  references: FileReference[];
  /** Validation problems (MS2xxx, MS1008, MS7xxx), every one found, in source order. */
  diagnostics: Diagnostic[];
}

const COMMENT_HINT = "comments go on their own line, starting with `#`; a value runs to the end of its line";

/**
 * Syntax tree to typed instructions (stage two). Pure: no file is read. Rules,
 * beyond the grammar: exactly one FROM; PARAMETER names and value types as in
 * Ollama's api.Options with sane ranges (parameters.ts); deprecated parameters
 * warn and are dropped; MESSAGE roles system/user/assistant (lower case, as in
 * Ollama); REQUIRES a semantic version; FORMAT `json` or a schema path;
 * DRAFT/RENDERER/PARSER warn (not supported yet); TEMPLATE must parse.
 */
export function analyzeModelfile(ast: ModelfileAst, options: AnalyzeOptions = {}): AnalysisResult {
  return new Analyzer(ast, options).run();
}

class Analyzer {
  private readonly index: LineIndex;
  private readonly diagnostics: Diagnostic[] = [];
  private readonly references: FileReference[] = [];
  private readonly m: TypedModelfile = { projectors: [], parameters: {}, adapters: [], license: [], messages: [] };
  /** Where each single-valued instruction (or parameter) was last set, for MS2005. */
  private readonly seen = new Map<string, SourceRange>();
  private emptyFrom = false;

  constructor(
    private readonly ast: ModelfileAst,
    private readonly options: AnalyzeOptions,
  ) {
    this.index = new LineIndex(ast.text);
  }

  run(): AnalysisResult {
    for (const node of this.ast.nodes) if (node.kind === "instruction") this.instruction(node);
    const brokenFrom = this.ast.broken?.some((b) => b.keyword === "FROM") ?? false;
    if (!this.m.from && !brokenFrom && !this.emptyFrom) this.push(error("MS2006", "no FROM instruction: a Modelfile names its base model", this.at(this.index.range(0, 0), "add `FROM <model or path>`, e.g. `FROM llama3:8b`")));
    return { modelfile: this.m, references: this.references, diagnostics: this.diagnostics };
  }

  private instruction(node: InstructionNode): void {
    const { value, range } = node.value;
    switch (node.keyword) {
      case "FROM": {
        if (this.m.from && value !== "") {
          // A later FROM is a vision projector file (Ollama's show --modelfile prints the model, then each projector as FROM); a scheme or pin can only be a model.
          if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value) || value.includes("@sha256:")) {
            const line = this.m.from.range.start.line;
            this.push(error("MS2007", "more than one FROM", this.at(node.keywordRange, `the base model is already set on line ${line}; a later FROM may only name a vision projector file`)));
            return;
          }
          this.commentInValue(node);
          this.m.projectors.push({ ref: value, range });
          if (isLocalPath(value)) this.references.push({ instruction: "FROM", path: value, range });
          return;
        }
        if (value === "") {
          this.emptyFrom = true;
          return this.push(error("MS2012", "FROM needs a model reference or a path", this.at(range)));
        }
        this.commentInValue(node);
        this.m.from = { ref: value, range };
        if (isLocalPath(value)) this.references.push({ instruction: "FROM", path: value, range });
        return;
      }
      case "PARAMETER":
        return this.parameter(node);
      case "TEMPLATE":
        this.override(node, "TEMPLATE");
        this.m.template = { text: value, range };
        if (this.options.checkTemplate !== false) {
          const d = checkTemplate(node.value, this.index, this.ast.file);
          if (d) this.push(d);
        }
        return;
      case "SYSTEM":
        this.override(node, "SYSTEM");
        this.commentInValue(node);
        this.m.system = { text: value, range };
        return;
      case "ADAPTER":
        if (value === "") return this.push(error("MS2012", "ADAPTER needs a path", this.at(range)));
        this.commentInValue(node);
        this.m.adapters.push({ path: value, range });
        // `testmodel://lora?…` (and any other scheme) is the resolver's to check, not a file.
        if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value)) this.references.push({ instruction: "ADAPTER", path: value, range });
        return;
      case "LICENSE":
        this.commentInValue(node);
        this.m.license.push({ text: value, range });
        return;
      case "MESSAGE":
        return this.message(node);
      case "REQUIRES": {
        const version = normalizeRequires(value);
        if (version === undefined) {
          const hint = this.commentOffset(node) === undefined ? "e.g. `REQUIRES 0.14.0`" : COMMENT_HINT;
          return this.push(error("MS2009", `REQUIRES needs a semantic version, got \`${value}\``, this.at(range, hint)));
        }
        this.override(node, "REQUIRES");
        this.m.requires = { version, range };
        return;
      }
      case "FORMAT":
        return this.format(node);
      case "DRAFT":
      case "RENDERER":
      case "PARSER":
        this.push(warning("MS2010", `${node.keyword} is not supported yet; modelsmith ignores it`, this.at(node.keywordRange, "delete the line to silence this warning")));
        return;
    }
  }

  private parameter(node: InstructionNode): void {
    const name = node.name!.text;
    const { value, range } = node.value;
    if (DEPRECATED_PARAMETERS.includes(name)) {
      this.push(warning("MS2004", `parameter ${name} is deprecated; Ollama and modelsmith ignore it`, this.at(node.name!.range, "delete the line")));
      return;
    }
    const spec = PARAMETERS[name];
    if (!spec) {
      const hint = REMOVED_PARAMETERS.includes(name)
        ? `Ollama no longer supports \`${name}\`; delete the line`
        : (didYouMean(name, Object.keys(PARAMETERS)) ?? `known parameters: ${Object.keys(PARAMETERS).join(", ")}`);
      this.push(error("MS2001", `unknown parameter \`${name}\``, this.at(node.name!.range, hint)));
      return;
    }
    if (spec.type === "stringList") {
      if (value === "") return this.push(error("MS2002", `${name} needs a non-empty string`, this.at(range)));
      this.commentInValue(node);
      const existing = this.m.parameters[name];
      if (existing && Array.isArray(existing.value)) {
        existing.value.push(value);
        existing.range = range;
        existing.ranges.push(range);
      } else this.m.parameters[name] = { type: spec.type, value: [value], range, ranges: [range] };
      return;
    }
    const parsed = parseScalar(spec.type, value);
    if (!parsed.ok) {
      const hint =
        this.commentOffset(node) !== undefined
          ? COMMENT_HINT
          : spec.type === "int" && /^[+-]?\d*\.\d+$|^[+-]?\d+\.$/.test(value)
            ? `${name} takes a whole number`
            : undefined;
      this.push(error("MS2002", `invalid value for ${name}: expected ${parsed.message}, got \`${clip(value)}\``, this.at(range, hint)));
      return;
    }
    if (typeof parsed.value === "number") {
      const broken = checkRange(spec, parsed.value);
      if (broken) return this.push(error("MS2003", `${name} must be ${broken}, got ${value}`, this.at(range, `${name}: ${spec.description}`)));
    }
    this.override(node, `PARAMETER ${name}`);
    const previous = this.m.parameters[name];
    if (previous) {
      previous.value = parsed.value;
      previous.range = range;
      previous.ranges.push(range);
    } else this.m.parameters[name] = { type: spec.type, value: parsed.value, range, ranges: [range] };
  }

  private message(node: InstructionNode): void {
    const role = node.name!.text;
    if (!(MESSAGE_ROLES as readonly string[]).includes(role)) {
      const hint = didYouMean(role, MESSAGE_ROLES) ?? "roles are `system`, `user` and `assistant`";
      this.push(error("MS2008", `unknown message role \`${role}\``, this.at(node.name!.range, hint)));
      return;
    }
    this.commentInValue(node);
    this.m.messages.push({ role: role as MessageRole, content: node.value.value, range: node.value.range });
  }

  private format(node: InstructionNode): void {
    const { value, range } = node.value;
    if (value === "") return this.push(error("MS2012", "FORMAT needs `json` or a path to a JSON Schema", this.at(range)));
    if (/^[{[]/.test(value)) {
      return this.push(error("MS2011", "FORMAT takes `json` or a path, not an inline schema", this.at(range, "save the schema as a file (e.g. schema.json) and write `FORMAT ./schema.json`")));
    }
    this.override(node, "FORMAT");
    if (value.toLowerCase() === "json") {
      this.m.format = { kind: "json", range };
      return;
    }
    this.commentInValue(node);
    this.m.format = { kind: "schema", path: value, range };
    this.references.push({ instruction: "FORMAT", path: value, range });
  }

  /** MS2005 when `key` was set before; records where it is set now. */
  private override(node: InstructionNode, key: string): void {
    const before = this.seen.get(key);
    if (before) {
      this.push(warning("MS2005", `${key} overrides the one on line ${before.start.line}`, this.at(node.keywordRange, "the last one wins, as in Ollama; keep one of them")));
    }
    this.seen.set(key, node.value.range);
  }

  /** MS1008 when a bare value holds ` #`: the user probably meant a comment. */
  private commentInValue(node: InstructionNode): void {
    const offset = this.commentOffset(node);
    if (offset === undefined) return;
    const label = node.keyword === "PARAMETER" || node.keyword === "MESSAGE" ? `${node.keyword} ${node.name!.text}` : node.keyword;
    this.push(warning("MS1008", `\`#\` is part of the value of ${label}, not a comment`, this.at(this.index.range(offset, offset + 1), COMMENT_HINT)));
  }

  private commentOffset(node: InstructionNode): number | undefined {
    if (node.value.quote !== "bare") return undefined;
    const m = /[ \t]#/.exec(node.value.value);
    return m ? node.value.map.toSource(m.index + 1) : undefined;
  }

  private at(range: SourceRange, hint?: string): { file?: string; range: SourceRange; hint?: string } {
    return { file: this.ast.file, range, hint };
  }

  private push(d: Diagnostic): void {
    this.diagnostics.push(d);
  }
}

function clip(s: string): string {
  const line = s.split(/\r?\n/)[0]!;
  return line.length > 40 || line !== s ? `${line.slice(0, 40)}…` : s;
}
