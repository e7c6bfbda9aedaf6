"""Microsoft's own Adaptive Card renderer (npm `adaptivecards`) parsing ogpbot's cards in Node
and then validating them (`validateProperties`, what the Adaptive Cards designer reports, e.g.
`RequiredInputsShouldHaveErrorMessage`): every event it reports about a card is a problem Teams
would show or hide.

`make test` installs the package into node_modules/ where npm is available; without Node or
the package, `renderer_problems` answers None and the check is skipped.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
RENDERER = ROOT / "node_modules" / "adaptivecards" / "dist" / "adaptivecards.js"

# Reads one card as JSON on stdin, parses it as Teams' clients do, prints each event.
_PARSE = """
global.window = global;
const AC = require(process.argv[1]);
let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const card = new AC.AdaptiveCard();
  const context = new AC.SerializationContext();
  card.parse(JSON.parse(input), context);
  const seen = [];
  for (let i = 0; i < context.eventCount; i++) {
    seen.push(context.getEventAt(i));
  }
  seen.push(...card.validateProperties().validationEvents);
  const events = seen.map((e) =>
    `${AC.ValidationPhase[e.phase]}/${AC.ValidationEvent[e.event]}: ${e.message}`);
  process.stdout.write(JSON.stringify(events));
});
"""


def available() -> bool:
    return shutil.which("node") is not None and RENDERER.exists()


@functools.lru_cache(maxsize=256)
def _problems(card_json: str) -> tuple[str, ...]:
    done = subprocess.run(["node", "-e", _PARSE, str(RENDERER)], input=card_json,
                          capture_output=True, text=True, timeout=30, check=True)
    return tuple(json.loads(done.stdout))


def renderer_problems(card: dict[str, Any]) -> list[str] | None:
    """What the renderer reports about `card` (empty: nothing), or None when unavailable."""
    if not available():
        return None
    return list(_problems(json.dumps(card, sort_keys=True)))
