/**
 * The import rules of the house (docs/architecture.md, "Layout and import rules"). Layers, top to
 * bottom: sim → cli → policy → infra → runbooks → functions → state-machines → lib. Every import
 * points down this list; nothing imports test/, bench/ or scripts/. `npm test` runs this check.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const LAYERS = ["sim", "cli", "policy", "infra", "runbooks", "functions", "state-machines", "lib"];

const upward = LAYERS.map((layer, i) => ({
  name: `${layer}-imports-down-only`,
  comment: `${layer}/ may import only the layers below it (${LAYERS.slice(i + 1).join(", ") || "none"})`,
  severity: "error",
  from: { path: `^${layer}/` },
  to: { path: `^(${LAYERS.slice(0, i).join("|") || "$^"})/` },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: "nothing-imports-tests-or-tools",
      comment: "test/, bench/ and scripts/ mirror the tree; product code never imports them",
      severity: "error",
      from: { path: `^(${LAYERS.join("|")})/` },
      to: { path: "^(test|bench|scripts)/" },
    },
    {
      name: "policy-reads-infra-core-only",
      comment: "the policy pack reads infra's pure core, never components, stack phases or the offline evaluation",
      severity: "error",
      from: { path: "^policy/" },
      to: { path: "^infra/(?!core/)" },
    },
    {
      name: "infra-core-is-pure",
      comment: "infra/core (config, naming, tags, policy documents, catalogues) imports no component, phase or evaluation",
      severity: "error",
      from: { path: "^infra/core/" },
      to: { path: "^infra/(components|stack|offline)/|^infra/index" },
    },
    {
      name: "components-do-not-import-phases",
      comment: "components are composed by the stack phases, never the other way round",
      severity: "error",
      from: { path: "^infra/components/" },
      to: { path: "^infra/(stack|offline)/|^infra/index" },
    },
    {
      name: "handlers-do-not-import-each-other",
      comment: "each handler folder is one Lambda bundle; shared code lives in a domain/ folder or lib/",
      severity: "error",
      from: { path: "^(functions/(?!domain/)[^/]+|runbooks/handlers/[^/]+)/" },
      to: { path: "^(functions/(?!domain/)[^/]+|runbooks/handlers/[^/]+)/", pathNot: "^$1/" },
    },
    {
      name: "lambda-code-is-runtime-only",
      comment: "what ships in a Lambda bundle (lib, functions, runbooks, state-machines) never loads Pulumi or build tooling",
      severity: "error",
      from: { path: "^(lib|functions|runbooks|state-machines)/" },
      to: { path: "node_modules/(@pulumi|esbuild|jest|aws-sdk-client-mock|aws-local-stepfunctions|@sinonjs)" },
    },
    {
      name: "no-circular",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^(node_modules|dist|reports)/" },
  },
};
