export { main, buildProgram } from "./main.js";
export { loadRepo, loadDefinitions, findDefinitionFiles } from "./repo-loader.js";
export { writeDriverStats } from "./example-data.js";
export { initExampleRepo } from "./commands/init.js";
