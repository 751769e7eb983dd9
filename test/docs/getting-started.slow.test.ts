import { docPageTest } from "./doc-page.js";

docPageTest("getting-started.md");
