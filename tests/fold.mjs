// Fold pushes into a room snapshot with the web UI's own reducer (frontend/snapshot.js), for
// the Python tests: reads {"snapshot", "pushes": [{"type", "data"}, ...]} as JSON on stdin,
// writes the folded snapshot as JSON on stdout. See tests/fold.py.
import { apply } from "../frontend/snapshot.js";

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
const { snapshot, pushes } = JSON.parse(input);
const folded = pushes.reduce((s, push) => apply(s, push.type, push.data), snapshot);
process.stdout.write(JSON.stringify(folded));
