import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { buildProgram, commandOf } from "./main.ts";
import { commandList } from "./commands/index.ts";

describe("claw's lazy command loading", () => {
  test("help lists every command without importing any (their folder does not even exist here)", async () => {
    const program = await buildProgram({ commandsDir: new URL("file:///nonexistent-claw-commands/") });
    const help = program.helpInformation();
    for (const c of commandList) assert.match(help, new RegExp(`\\n  ${c.name} `), c.name);
  });

  test("each listed description is the one its file registers", async () => {
    const program = await buildProgram({ only: "all" });
    const registered = new Map(program.commands.map((c) => [c.name(), c.description()]));
    for (const c of commandList) assert.equal(registered.get(c.name), c.description, c.name);
    assert.equal(program.commands.length, commandList.length, "no command registered twice or left out of the list");
  });

  test("the command is the first word that is not an option; `help X` loads X", () => {
    assert.equal(commandOf(["--json", "infer", "-m", "x"]), "infer");
    assert.equal(commandOf(["help", "gateway"]), "gateway");
    assert.equal(commandOf(["--help"]), undefined);
  });
});
