"""Every word of the advice on screen: the dashboard in tmux at one size, on the lab's
broken.toml; once its checks end it pauses sampling and exports its support bundle (so the
expected texts are the model's own report), then walks every finding of the Findings pane: its whole summary
must be in the pane, its summary and every fix label in its details window (paged with PgDn),
every fix label in its fixes window. Prints one PASS/FAIL line per check; exits 1 on a FAIL.

    python3 readable.py SOCKET BIN CONFIG WORKDIR COLSxROWS
"""

import glob
import json
import os
import re
import subprocess
import sys
import tarfile
import time

SOCK, BIN, CONFIG, WORK, SIZE = sys.argv[1:6]
COLS, ROWS = (int(x) for x in SIZE.split("x"))
FAILED = 0


def tmux(*args):
    return subprocess.run(
        ["tmux", "-u", "-S", SOCK, "-f", "/dev/null", *args],
        capture_output=True, text=True, check=False, timeout=10,
    ).stdout


def keys(*ks):
    for k in ks:
        tmux("send-keys", "-t", "R", k)
        # A key right after Escape would read as Alt+key: give the escape time to stand alone.
        time.sleep(0.4 if k == "Escape" else 0.1)


def screen():
    return tmux("capture-pane", "-p", "-t", "R")


def wait(pred, secs):
    end = time.time() + secs
    while time.time() < end:
        s = screen()
        if pred(s):
            return s
        time.sleep(0.2)
    return None


def flat(text):
    """The words of `text`, single-spaced, without borders and markers."""
    return " ".join(re.sub(r"[│┃║▶]", " ", text).split())


def window(s):
    """The inside of the window on top (double border), or ''."""
    lines = s.splitlines()
    top = next((i for i, l in enumerate(lines) if "╔" in l and "╗" in l), None)
    if top is None:
        return ""
    x0, x1 = lines[top].index("╔"), lines[top].index("╗")
    out = []
    for l in lines[top + 1:]:
        if "╚" in l[x0:x0 + 1]:
            break
        out.append(l[x0 + 1:x1])
    return "\n".join(out)


def findings_pane(s):
    """The Findings pane's rows: the lines under its title, from its left border on."""
    lines = s.splitlines()
    top = next((i for i, l in enumerate(lines) if "4 Findings" in l), None)
    if top is None:
        return ""
    x0 = max(lines[top].rfind("┏", 0, lines[top].index("4 Findings")),
             lines[top].rfind("┌", 0, lines[top].index("4 Findings")), 0)
    return "\n".join(l[x0:] for l in lines[top + 1:-1])


def export():
    """Presses e and returns the findings of the report in the bundle it writes (None if none
    comes)."""
    pattern = os.path.join(WORK, "tlsdoctor-report-*.tar.gz")
    before = set(glob.glob(pattern))
    keys("e")
    end = time.time() + 15
    while time.time() < end:
        new = set(glob.glob(pattern)) - before
        if new:
            time.sleep(0.3)
            try:
                with tarfile.open(sorted(new)[-1]) as tar:
                    member = next(m for m in tar.getmembers() if m.name.endswith("/report.json"))
                    return json.load(tar.extractfile(member))["findings"]
            except (tarfile.TarError, StopIteration, EOFError, json.JSONDecodeError):
                pass  # still being written
        time.sleep(0.2)
    return None


def check(name, ok, detail=""):
    global FAILED
    if ok:
        print(f"PASS  {SIZE} readable: {name}")
    else:
        FAILED += 1
        print(f"FAIL  {SIZE} readable: {name}")
        if detail:
            print("      " + detail[:2000].replace("\n", "\n      "))


def main():
    tmux("kill-session", "-t", "R")
    os.makedirs(WORK, exist_ok=True)
    tmux("new-session", "-d", "-s", "R", "-x", str(COLS), "-y", str(ROWS), "-c", WORK,
         f"env LANG=C.UTF-8 {BIN} -c {CONFIG}")
    done = wait(lambda s: s and "running" not in s.splitlines()[0] and "error" in s.splitlines()[0], 40)
    check("the checks end", done is not None, screen())
    if done is None:
        return
    # The title can be cut before "checking… N running": the checks have ended when two
    # exports a few seconds apart list the same findings.
    keys("p")
    findings, last = None, None
    for _ in range(8):
        findings = export()
        if findings is not None and findings == last:
            break
        last = findings
        time.sleep(3)
    check("e exports the report, and the findings settle", findings is not None and findings == last)
    if findings is None:
        return
    keys("4", "Home")
    pane, details, fixes = "", "", ""
    seen = []
    for f in findings:
        pane += " " + flat(findings_pane(screen()))
        keys("Enter")
        # The dashboard draws at most ten frames a second: wait for the window, not a fixed time.
        s = wait(lambda x: window(x) != "", 3) or screen()
        text = window(s)
        for _ in range(15):
            if "PgDn more" not in s:
                break
            keys("PgDn")
            before = s
            s = wait(lambda x: x != before, 3) or screen()
            text += "\n" + window(s)
        details += " " + flat(text)
        title = re.search(r"Finding: (\S+)", s)
        seen.append(title.group(1) if title else "?")
        keys("Escape", "f")
        s = wait(lambda x: "Fixes for" in x, 3) if f["fixes"] else screen()
        if s and "Fixes for" in s:
            text = window(s)
            for _ in f["fixes"]:
                keys("j")
                before = s
                s = wait(lambda x: x != before, 1) or screen()
                text += "\n" + window(s)
            fixes += " " + flat(text)
        keys("Escape", "j")
    if os.environ.get("READABLE_DEBUG"):
        print("visited:", len(findings), seen)
    for f in findings:
        name = f"{f['code']} ({f['target'] or 'local'})"
        summary = " ".join(f["summary"].split())
        check(f"{name}: its whole summary in the Findings pane", summary in pane, summary)
        check(f"{name}: its whole summary in its details", summary in details, summary)
        for fix in f["fixes"]:
            label = f"[{fix['key']}] " + " ".join(fix["label"].split())
            check(f"{name}: fix [{fix['key']}] whole in its details", label in details, label)
            check(f"{name}: fix [{fix['key']}] whole in the fixes window", label in fixes, label)
    keys("q")


try:
    main()
finally:
    tmux("kill-session", "-t", "R")
sys.exit(1 if FAILED else 0)
