/**
 * A load-generator process. It loads the scenario module named in its
 * config and answers the controller's commands over IPC:
 * `{id, cmd, args}` → `{id, ok, result | error}`.
 *
 * @module
 */

const config = JSON.parse(process.argv[2]);
const scenario = await import(`./${config.scenario}.mjs`);
/** @type {Record<string, (args: any) => unknown>} */
const commands = { ping: () => "pong", ...scenario.worker(config) };

process.on("message", async (/** @type {any} */ msg) => {
  try {
    const handler = commands[msg.cmd];
    if (!handler) throw new Error(`unknown command ${msg.cmd}`);
    const result = await handler(msg.args);
    process.send?.({ id: msg.id, ok: true, result });
  } catch (err) {
    process.send?.({
      id: msg.id,
      ok: false,
      error: err instanceof Error ? err.stack : String(err),
    });
  }
});
process.on("disconnect", () => process.exit(0));
