"""An example plugin: one extra rule, registered through the ``rollout.checks`` entry point."""

from rollout.checks import Violation, rule


@rule("XM001", "task-too-long", severity="warning", settings={"max_task_days": 60},
      summary="a task longer than `max_task_days` working days",
      hint="split it into steps that each end in something a steering committee can see")
def task_too_long(ctx):
    """## What it does
    Reports tasks longer than `max_task_days` (60) working days.

    ## Why is this bad?
    A task that runs for a quarter hides its progress until it is late.

    ## Example
    ```yaml
    tasks:
      - {id: tech.build, duration: 80d}
    ```

    ## Use instead
    ```yaml
    tasks:
      - {id: tech.build-1, duration: 40d}
      - {id: tech.build-2, duration: 40d, depends_on: [tech.build-1]}
    ```
    """
    limit = ctx.settings["max_task_days"]
    for t in ctx.tasks:
        if t.duration > limit:
            yield Violation(f"task '{t.id}' runs {t.duration} working days (more than {limit})", tasks=(t.id,))


RULES = [task_too_long]
