import { docPageTest } from "./doc-page.js";

docPageTest("modelfile.md");
