"""How the compat scripts report a step to their vitest side (helpers.ts's expectStepPassed):
"PASS <step>", or "FAIL <step>: <error> | <the last lines of its trace>", then
"TIME <step> <ms>". The scripts' own directory is on sys.path, so `from compat_steps import step`."""
import time
import traceback

failed = []


def step(fn, name=None, ends_flow=False):
    """Runs fn as the step `name` (default: fn's name). With ends_flow, a failed step ends the
    flow: every later step with ends_flow says "not run" instead of running."""
    name = name or fn.__name__
    if ends_flow and failed:
        print("FAIL %s: not run, %s failed\nTIME %s 0 ms" % (name, failed[0], name), flush=True)
        return
    started = time.time()
    try:
        fn()
        print("PASS " + name, flush=True)
    except Exception as e:  # noqa: BLE001 - every failure is reported
        failed.append(name)
        detail = traceback.format_exc().strip().splitlines()[-3:]
        print("FAIL %s: %r | %s" % (name, e, " / ".join(detail)), flush=True)
    print("TIME %s %d ms" % (name, (time.time() - started) * 1000), flush=True)
