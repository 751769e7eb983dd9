import { docPageTest } from "./doc-page.js";

docPageTest("project-file.md");
