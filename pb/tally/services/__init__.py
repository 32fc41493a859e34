"""Counting a round budget's ballots with ``pb.rules``, storing and publishing the result.

By subject:

- :mod:`~pb.tally.services.inputs`: a budget's ballots as a ``pb.rules`` instance, and the hash
  of a count's exact inputs (the format is in that module's docstring);
- :mod:`~pb.tally.services.publishing`: starting a count as a job, publishing its result;
- :mod:`~pb.tally.services.pages`: what the result pages read, and the cache of what is derived
  from a stored run;
- :mod:`~pb.tally.services.open_data`: the anonymised ``.pb`` file, the JSON and CSV results;
- :mod:`~pb.tally.services.counting`: storing a count (the jobs) and the what-if outcomes;
- :mod:`~pb.tally.services.secrecy`: ballot secrecy in the result pages and files (who may get the
  ballots file, which figures a page shows);
- :mod:`~pb.tally.services.batch`: counting, or publishing, all budgets of a round in one action.

Ballot turnout is the voting domain's (:mod:`pb.voting.services.turnout`), and so is importing a
pabulib file as a round (:mod:`pb.voting.services.pabulib_import`).

Services flush and never commit; views commit (pb.transactions). The tally jobs
(:mod:`pb.tally.jobs`) commit their single transaction themselves; they are queued by dotted
name, so no service imports them. Callers use the package (``from pb.tally import services``);
the submodules import each other directly.
"""

from pb.tally.services.batch import BudgetPlan, count_all, count_plan, plan_token, publish_all, publish_plan
from pb.tally.services.counting import (
    TallyInputsChanged,
    count_budget,
    count_now,
    finished_details,
    store_what_if,
)
from pb.tally.services.inputs import (
    CANONICAL_VERSION,
    budget_projects,
    canonical_inputs,
    inputs_hash,
    load_instance,
    rule_of,
    vote_type_of,
)
from pb.tally.services.open_data import (
    CSV_COLUMNS,
    pabulib_export,
    pabulib_meta,
    results_csv,
    results_document,
    voter_columns,
)
from pb.tally.services.pages import (
    cached,
    published_run,
    published_runs_of_round,
    result_lines,
    run_key,
    runs_of,
    tally_jobs_of,
    what_if_rules,
    what_if_summaries,
)
from pb.tally.services.publishing import (
    STALE_JOB_AFTER,
    TallyError,
    TallyStart,
    budget_id_of_job,
    can_start_tally,
    cancel_tally,
    check_jobs,
    check_tally_jobs,
    current_inputs_hash,
    not_queued,
    publish_problem,
    publish_tally,
    start_tally,
    stored_run,
    tally_job_id,
    tally_job_of,
    what_if_job_id,
)
from pb.tally.services.secrecy import ballot_count, ballots_file_open_to, ballots_withheld, result_figures

__all__ = [
    "CANONICAL_VERSION",
    "CSV_COLUMNS",
    "STALE_JOB_AFTER",
    "BudgetPlan",
    "TallyError",
    "TallyInputsChanged",
    "TallyStart",
    "ballot_count",
    "ballots_file_open_to",
    "ballots_withheld",
    "budget_id_of_job",
    "budget_projects",
    "cached",
    "can_start_tally",
    "cancel_tally",
    "canonical_inputs",
    "check_jobs",
    "check_tally_jobs",
    "count_all",
    "count_budget",
    "count_now",
    "count_plan",
    "current_inputs_hash",
    "finished_details",
    "inputs_hash",
    "load_instance",
    "not_queued",
    "pabulib_export",
    "pabulib_meta",
    "plan_token",
    "publish_all",
    "publish_plan",
    "publish_problem",
    "publish_tally",
    "published_run",
    "published_runs_of_round",
    "result_figures",
    "result_lines",
    "results_csv",
    "results_document",
    "rule_of",
    "run_key",
    "runs_of",
    "start_tally",
    "store_what_if",
    "stored_run",
    "tally_job_id",
    "tally_job_of",
    "tally_jobs_of",
    "vote_type_of",
    "voter_columns",
    "what_if_job_id",
    "what_if_rules",
    "what_if_summaries",
]
