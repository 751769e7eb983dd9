import { docPageTest } from "./doc-page.js";

docPageTest("artifacts.md");
