// Offline checks of a SAM template, run by tests/StockWatch.Deploy.Tests (see README.md).
//   node check.mjs json TEMPLATE     the template as JSON, intrinsic functions in their long form (Fn::GetAtt…)
//   node check.mjs schema TEMPLATE   against the official SAM JSON schema (sam.schema.json, draft-04)
//   node check.mjs spec TEMPLATE     plain CloudFormation resources: types, property names and value types
//   node check.mjs serve             the same for each line {"command", "file"} on stdin, one JSON line out each,
//                                    the schema and the specification loaded once
// schema and spec answer a JSON array of problems (empty when there are none); a file that cannot be read exits 2
// (serve: answers {"error"}).
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";

const require = createRequire(import.meta.url);
const { yamlParse } = require("yaml-cfn");
const Ajv = require("ajv-draft-04");

let samSchema;
let serviceSpec;
const commands = { json: toJson, schema: checkSchema, spec: checkSpec };
const [command, file] = process.argv.slice(2);
if (command === "serve") {
  for await (const line of createInterface({ input: process.stdin })) {
    let answer;
    try {
      const request = JSON.parse(line);
      if (!commands[request.command]) throw new Error(`no command ${JSON.stringify(request.command)}: json, schema or spec`);
      answer = { result: commands[request.command](yamlParse(readFileSync(request.file, "utf8"))) };
    } catch (e) {
      answer = { error: e.message };
    }
    process.stdout.write(JSON.stringify(answer) + "\n");
  }
} else if (commands[command] && file) {
  let template;
  try {
    template = yamlParse(readFileSync(file, "utf8"));
  } catch (e) {
    console.error(`${file} cannot be read: ${e.message}`);
    process.exit(2);
  }
  process.stdout.write(JSON.stringify(commands[command](template), null, 2) + "\n");
} else {
  console.error("usage: node check.mjs json|schema|spec TEMPLATE, or node check.mjs serve");
  process.exit(2);
}

function toJson(t) {
  return t;
}

function checkSchema(t) {
  samSchema ??= loadSchema();
  const { schema, ajv } = samSchema;
  const problems = [];
  const whole = ajv.getSchema("sam");
  if (whole(t)) return problems;

  // The schema says "one of these resource kinds" (anyOf): check each resource against its own kind, so the errors
  // name what is wrong with it rather than every kind it is not.
  const kinds = Object.keys(schema.definitions);
  for (const [name, resource] of Object.entries(t.Resources ?? {})) {
    const kind = String(resource?.Type ?? "").match(/^AWS::Serverless::(\w+)$/)?.[1]?.toLowerCase();
    const definition = kinds.find(k => kind && k === `samtranslator__internal__schema_source__aws_serverless_${kind}__Resource`)
      ?? "samtranslator__internal__schema_source__any_cfn_resource__Resource";
    const validate = ajv.getSchema(`sam#/definitions/${definition}`);
    if (validate(resource)) continue;
    // An event's errors come once per event kind it is not: check it against the kind its Type names instead.
    const report = (path, errors) => {
      const specific = errors.filter(e => e.keyword !== "anyOf");
      for (const e of specific.length ? specific : errors) {
        const extra = e.params?.additionalProperty ? ` (${e.params.additionalProperty})` : "";
        problems.push(`${path}${e.instancePath}: ${e.message}${extra}`);
      }
    };
    report(`Resources/${name}`, validate.errors.filter(e => !e.instancePath.startsWith("/Properties/Events/")));
    for (const [eventName, event] of Object.entries(resource?.Properties?.Events ?? {})) {
      const eventKind = kinds.find(k => k === `${event?.Type}Event` || k === `samtranslator__internal__schema_source__aws_serverless_${kind}__${event?.Type}Event`);
      const path = `Resources/${name}/Properties/Events/${eventName}`;
      if (!eventKind) problems.push(`${path}/Type: no event kind ${JSON.stringify(event?.Type)}`);
      else if (!ajv.getSchema(`sam#/definitions/${eventKind}`)(event)) report(path, ajv.getSchema(`sam#/definitions/${eventKind}`).errors);
    }
  }
  for (const e of whole.errors.filter(e => !e.instancePath.startsWith("/Resources/"))) {
    problems.push(`${e.instancePath || "/"}: ${e.message}`);
  }
  return [...new Set(problems)];
}

function checkSpec(t) {
  serviceSpec ??= loadSpec();
  const { resources, types } = serviceSpec;
  const problems = [];

  for (const [name, resource] of Object.entries(t.Resources ?? {})) {
    if (String(resource?.Type).startsWith("AWS::Serverless::")) continue;
    const spec = resources.get(resource?.Type);
    if (!spec) {
      problems.push(`${name}: ${resource?.Type} is not a CloudFormation resource type`);
      continue;
    }
    checkObject(`${name}.Properties`, resource.Properties ?? {}, spec.properties);
  }
  return problems;

  function checkObject(path, value, properties) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      problems.push(`${path}: expected an object, got ${JSON.stringify(value)}`);
      return;
    }
    for (const [key, item] of Object.entries(value)) {
      if (!(key in properties)) problems.push(`${path}.${key}: no such property`);
      else checkValue(`${path}.${key}`, item, properties[key].type);
    }
    for (const [key, property] of Object.entries(properties)) {
      if (property.required && !(key in value)) problems.push(`${path}.${key}: required`);
    }
  }

  function checkValue(path, value, type) {
    if (isIntrinsic(value)) {
      if ("Fn::If" in value) for (const branch of value["Fn::If"].slice(1)) checkValue(path, branch, type);
      return;
    }
    const scalar = (ok, what) => { if (!ok) problems.push(`${path}: expected ${what}, got ${JSON.stringify(value)}`); };
    switch (type.type) {
      case "string": return scalar(["string", "number", "boolean"].includes(typeof value), "a string");
      case "integer": return scalar(isNumeric(value) && Number.isInteger(Number(value)), "an integer");
      case "number": return scalar(isNumeric(value), "a number");
      case "boolean": return scalar(typeof value === "boolean" || value === "true" || value === "false", "a boolean");
      case "json": return;
      case "tag": return checkObject(path, value, { Key: { type: { type: "string" }, required: true }, Value: { type: { type: "string" }, required: true } });
      case "array":
        if (!Array.isArray(value)) return scalar(false, "a list");
        return value.forEach((item, i) => checkValue(`${path}[${i}]`, item, type.element));
      case "map":
        if (typeof value !== "object" || value === null || Array.isArray(value)) return scalar(false, "a map");
        return Object.entries(value).forEach(([k, item]) => checkValue(`${path}.${k}`, item, type.element));
      case "ref":
        return checkObject(path, value, types.get(type.reference.$ref).properties);
      case "union": {
        const before = problems.length;
        for (const option of type.types) {
          const mark = problems.length;
          checkValue(path, value, option);
          if (problems.length === mark) { problems.length = before; return; }
          problems.length = mark;
        }
        return scalar(false, `one of ${type.types.map(o => o.type).join(", ")}`);
      }
      default: return;
    }
  }
}

function loadSchema() {
  const schema = JSON.parse(readFileSync(new URL("./sam.schema.json", import.meta.url), "utf8"));
  const ajv = new Ajv({ allErrors: true, strict: false, logger: false });
  ajv.addSchema(schema, "sam");
  return { schema, ajv };
}

function loadSpec() {
  const db = JSON.parse(gunzipSync(readFileSync(require.resolve("@aws-cdk/aws-service-spec/db.json.gz"))));
  return {
    resources: new Map(Object.values(db.schema.resource.entities).map(r => [r.cloudFormationType, r])),
    types: new Map(Object.values(db.schema.typeDefinition.entities).map(d => [d.$id, d])),
  };
}

function isNumeric(value) {
  return typeof value === "number" || (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value)));
}

function isIntrinsic(value) {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === "Ref" || keys[0].startsWith("Fn::") || keys[0] === "Condition");
}
