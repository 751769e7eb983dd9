import { defineCodes } from "../diagnostics/registry.js";

export const CLI_CODES = defineCodes({
  MS0000: {
    title: "internal error",
    example: "(a bug in modelsmith: any input that makes it crash)",
    fix: "Not your fault. Report it with the command you ran and the stack trace printed; exit code 4.",
  },
  MS9001: {
    title: "invalid command line",
    example: "modelsmith fmt --chek",
    fix: "Check the command and its options against `modelsmith <command> --help`.",
  },
  MS9002: {
    title: "unknown command",
    example: "modelsmith buidl",
    fix: "Use one of the commands `modelsmith --help` lists; the hint names the closest one.",
  },
  MS9003: {
    title: "cannot read or write a file",
    example: "modelsmith fmt ./missing/Modelfile",
    fix: "Check that the path exists and that you may read (and, for fmt, write) it.",
  },
  MS9004: {
    title: "unknown template",
    example: "modelsmith init --template basci",
    fix: "Use one of the templates the hint lists (the folders of templates/).",
  },
  MS9005: {
    title: "init would overwrite a file",
    example: "modelsmith init   # in a directory that already has a modelsmith.yaml",
    fix: "Run init in an empty (or new) directory; it never overwrites files.",
  },
  MS9006: {
    title: "command not available yet",
    example: "(none in this version: every command DESIGN.md names is built)",
    fix: "The command is designed but not in this version; `modelsmith --help` lists the commands it has.",
  },
});
