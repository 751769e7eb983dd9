import { docPageTest } from "./doc-page.js";

docPageTest("testing.md");
