"""The kill rate of `make mutants`, per core module: (killed + timeouts) / (mutants - equivalent).

Reads mutmut's results in mutants/ and prints one line per module, then the survivors that
are not judged equivalent (see them with `.venv/bin/mutmut show NAME`). EQUIVALENT names the
mutants that no test can kill because they change nothing a user could notice, each with why;
a name that is no longer a survivor is reported, so the list stays true as the code changes.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# mutmut's exit codes: 1 and 3 killed, 0 survived, 5 and 33 no test covers it, 34 skipped;
# None: not run yet (a run limited to some modules with MUTANTS=...). A mutant that makes the
# tests run past mutmut's time limit (an endless loop) is caught too: a run that never ends fails.
KILLED = {1, 3}
TIMEOUT = {36, 24, -24, 152, 255}
SURVIVED = {0}
NOT_COVERED = {5, 33}

_WHY: dict[str, list[str]] = {
    "without a version in the window nothing moved: the state before it cannot close both "
    "after the period and in it": [
        "generator.analytics.slips.x__slip_during__mutmut_21",
    ],
    "never true either way: only a version has a close, so the state in the period is one": [
        "generator.analytics.slips.x__slip_during__mutmut_43",
    ],
    "every period of slips_during has a window, so its slips are always found: the default "
    "is never used": [
        "generator.analytics.slips.x_slips_during__mutmut_19",
        "generator.analytics.slips.x_slips_during__mutmut_21",
    ],
    "people=None: deal_view looks the team up itself (the same people, once per deal)": [
        "generator.analytics.handover.x_plan_handover__mutmut_6",
        "generator.analytics.handover.x_plan_handover__mutmut_7",
        "generator.analytics.handover.x_plan_handover__mutmut_26",
        "generator.analytics.handover.x_plan_handover__mutmut_29",
    ],
    "the team looked up whether or not the caller gave it: the same people": [
        "generator.analytics.handover.x_plan_handover__mutmut_8",
        "generator.analytics.handover.x_plan_handover__mutmut_10",
    ],
    "without a head the working tree is the head: the funnel the command gives is the working "
    "tree's funnel.yaml, which the mutant reads a second time": [
        "generator.analytics.diff.x_business_diff__mutmut_60",
    ],
    "each deal compared is in the base or the head (it comes from the union of both), so "
    "`present` is never None": [
        "generator.analytics.diff.x_business_diff__mutmut_73",
    ],
    "a removed file's blob is git's null id, which `cat-file --batch` says is missing and "
    "read_blobs leaves out: asked for or not, the same blobs come back": [
        "generator.history.mining.xǁ_Miningǁextend__mutmut_34",
        "generator.history.mining.xǁ_Miningǁextend__mutmut_35",
    ],
    "a read without the cache is given its head once it is done (`history.head = head`), "
    "and `extend` never reads it": [
        "generator.history.mining.x__read__mutmut_39",
    ],
    "git runs at the repository's top (`git -C ROOT`): paths from the current folder are "
    "paths from the full tree": [
        "generator.history.git.x_tree_files__mutmut_19",
    ],
    "`git status -z` gives the porcelain format when no other is asked for": [
        "generator.history.git.x_uncommitted__mutmut_17",
    ],
    "codec names are read without regard to case: UTF-8 is utf-8": [
        "generator.history.git.x_tree_files__mutmut_40",
        "generator.history.git.x_uncommitted__mutmut_41",
        "generator.history.git.x_commits_between__mutmut_46",
        "generator.history.git.x_git__mutmut_27",
    ],
    "`XX--porcelainXX` is a path to git (it matches nothing), and `-z` gives the porcelain "
    "format": [
        "generator.history.git.x_uncommitted__mutmut_25",
    ],
    "with `--no-abbrev`, `%h` is the full id as `%H` is": [
        "generator.history.git.x_commits_between__mutmut_43",
    ],
    "an unknown revision fails with or without `--quiet` (git then also says why on stderr, "
    "which the error replaces); rev-parse takes `--QUIET` as a flag to pass through": [
        "generator.history.git.x_resolve__mutmut_11",
        "generator.history.git.x_resolve__mutmut_19",
    ],
    "zip's `strict` is False unless given (ruff asks for it written out); `cast` does "
    "nothing when the code runs": [
        "generator.history.git.x_raw_entries__mutmut_14",
        "generator.history.git.x_raw_entries__mutmut_17",
        "generator.history.git.x_raw_entries__mutmut_27",
    ],
    "subprocess.run checks nothing unless asked: check=False is its default": [
        "generator.history.git.x_git__mutmut_5",
        "generator.history.git.x_git__mutmut_10",
    ],
    "`find` takes None as the start, as 0; a line that is empty (`end` 0) names no blob, so "
    "the framing check refuses it either way": [
        "generator.history.git.x_read_blobs__mutmut_24",
        "generator.history.git.x_read_blobs__mutmut_35",
        "generator.history.git.x_read_blobs__mutmut_36",
    ],
    "the compression level and the pickle protocol change the bytes kept, never what is read "
    "back; codec names are read without regard to case; any separator gives one digest per "
    "folder's listing": [
        "generator.site.memo.x_pack__mutmut_4",
        "generator.site.memo.x_pack__mutmut_7",
        "generator.site.memo.x_pack__mutmut_8",
        "generator.site.memo.x_unpack__mutmut_4",
        "generator.site.memo.xǁPageMemoǁkeep__mutmut_3",
        "generator.site.memo.xǁPageMemoǁkeep__mutmut_5",
        "generator.site.memo.x_folder_hash__mutmut_14",
    ],
    "save=None is falsy, as False is: the check writes no cache file either way": [
        "generator.site.preview.xǁPreviewǁanswer__mutmut_26",
    ],
    "ensure_ascii=None is falsy, as False is": [
        "generator.analytics.diff.x_to_json__mutmut_75",
        "generator.analytics.policy.xǁPolicyResultǁto_json__mutmut_27",
        "generator.analytics.handover.xǁHandoverPlanǁto_json__mutmut_3",
        "generator.analytics.compliance.xǁOrderDecisionǁto_json__mutmut_3",
        "generator.analytics.forecast.x_to_json__mutmut_3",
    ],
    "the forecast's JSON is ASCII only (ids, dates, amounts, currency code)": [
        "generator.analytics.forecast.x_to_json__mutmut_6",
        "generator.analytics.forecast.x_to_json__mutmut_8",
    ],
    "accept=None is falsy, as False is: the decision is printed and exits as a refusal": [
        "generator.analytics.compliance.x_order_decision__mutmut_18",
        "generator.analytics.compliance.x_order_decision__mutmut_24",
        "generator.analytics.compliance.x_order_decision__mutmut_35",
        "generator.analytics.compliance.x_order_decision__mutmut_41",
    ],
    "codec names are case-insensitive": [
        "generator.history.past.x_entries_at__mutmut_43",
        "generator.analytics.policy.x_team_at__mutmut_28",
        "generator.analytics.checklist_policy.x_read_checklist__mutmut_9",
        "generator.history.git.x_baseline_marks__mutmut_27",
        "generator.exchange.handover.x_apply_handover__mutmut_49",
        "generator.exchange.handover.x_apply_handover__mutmut_61",
        "generator.exchange.handover.x_apply_handover__mutmut_63",
        "generator.exchange.handover.x_apply_handover__mutmut_80",
        "generator.data.strictyaml.x_check_text__mutmut_7",
        "generator.history.records.x_snapshot__mutmut_10",
    ],
    "git log re-encodes messages and names to UTF-8: the error handler is never used": [
        "generator.history.git.x_baseline_marks__mutmut_5",
        "generator.history.git.x_baseline_marks__mutmut_28",
        "generator.history.git.x_baseline_marks__mutmut_29",
    ],
    "only the empty record after the last NUL has fewer fields": [
        "generator.history.git.x_baseline_marks__mutmut_37",
    ],
    "a baseline violation shows the commit, author and email, never its day or subject": [
        "generator.history.git.x_baseline_marks__mutmut_46",
        "generator.history.git.x_baseline_marks__mutmut_48",
        "generator.history.git.x_baseline_marks__mutmut_50",
        "generator.history.git.x_baseline_marks__mutmut_56",
        "generator.history.git.x_baseline_marks__mutmut_57",
    ],
    "base checklists are found by path: a wider or slash-ended ls-tree finds the same": [
        "generator.analytics.policy.x__judge__mutmut_14",
        "generator.analytics.policy.x__judge__mutmut_18",
        "generator.analytics.policy.x__judge__mutmut_20",
        "generator.analytics.policy.x__judge__mutmut_21",
        "generator.analytics.policy.x__judge__mutmut_22",
    ],
    "read_blobs skips the all-zero sha of an added or deleted file anyway": [
        "generator.analytics.policy.x__judge__mutmut_27",
    ],
    "the path names the text in parse problems only, which these callers drop": [
        "generator.analytics.policy.x__deal_rule__mutmut_5",
        "generator.analytics.policy.x__deal_rule__mutmut_12",
        "generator.analytics.policy.x__version__mutmut_4",
        "generator.analytics.checklist_policy.x_read_checklist__mutmut_4",
        "generator.analytics.checklist_policy.x_read_checklist__mutmut_10",
        "generator.analytics.checklist_policy.x_read_checklist__mutmut_11",
        "generator.data.strictyaml.x_locate__mutmut_8",
    ],
    "a deal id both added and deleted in a commit is in either set": [
        "generator.analytics.policy.x__moved_deals__mutmut_3",
    ],
    "every blob of a commit is in the repository: a deleted deal has its old version": [
        "generator.analytics.policy.x__deal_rule__mutmut_27",
    ],
    "any marker apart from the file's own keys works": [
        "generator.analytics.checklist_policy.x_read_checklist__mutmut_41",
        "generator.analytics.checklist_policy.x_read_checklist__mutmut_42",
    ],
    "no person has the id XXXX (ids are lower-case)": [
        "generator.analytics.checklist_policy.x__manager_of__mutmut_4",
    ],
    "deal_view looks the team up itself when not given it: the same people": [
        "generator.analytics.handover.x_checklist_rows__mutmut_1",
        "generator.analytics.handover.x_checklist_rows__mutmut_11",
        "generator.analytics.handover.x_checklist_rows__mutmut_14",
    ],
    "with_won=None is falsy, as False is": [
        "generator.analytics.forecast.xǁForecastǁas_json__mutmut_21",
        "generator.analytics.forecast.x_to_csv__mutmut_41",
    ],
    "the default territory is never used: every deal's account exists in valid data, and the"
    " current periods (given no territories) read no territory's slice": [
        "generator.analytics.forecast.x_forecasts_of__mutmut_10",
        "generator.analytics.forecast.x_forecasts_of__mutmut_12",
        "generator.analytics.forecast.x_forecasts_of__mutmut_13",
    ],
    "a lookup of a period worked out before that always misses works it out again, the same": [
        "generator.analytics.forecast.x_forecasts_of__mutmut_21",
        "generator.analytics.forecast.x_won_by_period__mutmut_9",
        "generator.analytics.forecast.x_won_by_period__mutmut_10",
    ],
    "csv writes None as an empty field": [
        "generator.analytics.forecast.x__values__mutmut_8",
        "generator.analytics.forecast.x__values__mutmut_10",
    ],
    "YAML()'s default type is rt": [
        "generator.exchange.handover.x_replace_owner__mutmut_3",
        "generator.exchange.handover.x_checklist_text__mutmut_18",
    ],
    "owner ids are lower-case: an X never follows or starts one": [
        "generator.exchange.handover.x_replace_owner__mutmut_18",
        "generator.exchange.handover.x_replace_owner__mutmut_35",
    ],
    "a quoted owner id is never empty, so its closing quote is past column + 1": [
        "generator.exchange.handover.x_replace_owner__mutmut_28",
    ],
    "the checklist that --apply created exists when it is rolled back": [
        "generator.exchange.handover.xǁAppliedǁrollback__mutmut_3",
        "generator.exchange.handover.xǁAppliedǁrollback__mutmut_4",
    ],
    "the command checks the data and the leaving person first: the team and FROM are there": [
        "generator.exchange.handover.x_apply_handover__mutmut_36",
    ],
    "the data folder exists, so handovers/ needs no parents": [
        "generator.exchange.handover.x_apply_handover__mutmut_71",
        "generator.exchange.handover.x_apply_handover__mutmut_73",
        "generator.exchange.handover.x_apply_handover__mutmut_75",
    ],
    "a scalar starting with X matches none of the number patterns and stays text either way": [
        "generator.data.strictyaml.x_resolve_plain__mutmut_5",
    ],
    "float() reads nan and inf in any case": [
        "generator.data.strictyaml.x_resolve_plain__mutmut_27",
        "generator.data.strictyaml.x_resolve_plain__mutmut_35",
        "generator.data.strictyaml.x_resolve_plain__mutmut_40",
    ],
    "path[:-1] is tried again, found or not as before": [
        "generator.data.strictyaml.xǁMarksǁvalue__mutmut_8",
    ],
    "the tag prefix occurs once in a tag": [
        "generator.data.strictyaml.xǁ_Readerǁnode__mutmut_21",
        "generator.data.strictyaml.xǁ_Readerǁnode__mutmut_23",
    ],
    "a start of None counts from the beginning, as 0 does": [
        "generator.data.strictyaml.x_check_text__mutmut_11",
        "generator.data.strictyaml.x_check_text__mutmut_22",
        "generator.data.strictyaml.x_check_text__mutmut_55",
        "generator.data.strictyaml.x_check_text__mutmut_79",
        "generator.data.strictyaml.x_check_text__mutmut_92",
        "generator.data.strictyaml.x_parse__mutmut_29",
        "generator.data.strictyaml.x_parse__mutmut_42",
    ],
    "PyYAML's ReaderError always has its position and character": [
        "generator.data.strictyaml.x_parse__mutmut_19",
        "generator.data.strictyaml.x_parse__mutmut_22",
        "generator.data.strictyaml.x_parse__mutmut_25",
        "generator.data.strictyaml.x_parse__mutmut_57",
    ],
    "the C loader's ReaderError gives the character as an int": [
        "generator.data.strictyaml.x_parse__mutmut_61",
        "generator.data.strictyaml.x_parse__mutmut_62",
        "generator.data.strictyaml.x_parse__mutmut_65",
        "generator.data.strictyaml.x_parse__mutmut_66",
        "generator.data.strictyaml.x_parse__mutmut_67",
    ],
    "PyYAML's syntax errors always have a problem or context, and a mark": [
        "generator.data.strictyaml.x__syntax_problem__mutmut_4",
        "generator.data.strictyaml.x__syntax_problem__mutmut_6",
        "generator.data.strictyaml.x__syntax_problem__mutmut_7",
        "generator.data.strictyaml.x__syntax_problem__mutmut_8",
        "generator.data.strictyaml.x__syntax_problem__mutmut_11",
        "generator.data.strictyaml.x__syntax_problem__mutmut_45",
        "generator.data.strictyaml.x__syntax_problem__mutmut_47",
        "generator.data.strictyaml.x__syntax_problem__mutmut_48",
    ],
    "a record pickled again here reads back as the one the other process pickled (only the "
    "time differs)": [
        "generator.data.parse_cache.xǁParseCacheǁput__mutmut_3",
    ],
    "the search for a marker's text only spares the pattern, which alone finds the markers": [
        "generator.data.strictyaml.x_check_text__mutmut_48",
        "generator.data.strictyaml.x_check_text__mutmut_50",
    ],
    "any pickle protocol reads back the same record": [
        "generator.data.parse_cache.xǁParseCacheǁput__mutmut_5",
        "generator.data.parse_cache.xǁParseCacheǁput__mutmut_7",
        "generator.data.parse_cache.xǁParseCacheǁsave__mutmut_22",
        "generator.data.cache_files.x_pickle_whole__mutmut_8",
        "generator.data.cache_files.x_pickle_whole__mutmut_11",
    ],
    "only whether anything was added matters (any non-zero count is true)": [
        "generator.data.parse_cache.xǁParseCacheǁput__mutmut_12",
        "generator.data.parse_cache.xǁParseCacheǁput__mutmut_13",
        "generator.data.parse_cache.xǁParseCacheǁput__mutmut_14",
    ],
    "saving when nothing was added only writes the same entries again": [
        "generator.data.parse_cache.xǁParseCacheǁsave__mutmut_2",
        "generator.data.parse_cache.xǁParseCacheǁsave__mutmut_5",
        "generator.data.parse_cache.xǁParseCacheǁsave__mutmut_26",
    ],
    "a scalar not read in place is read by `node` alike (reading it in place is a shortcut)": [
        "generator.data.strictyaml.xǁ_Readerǁmapping__mutmut_65",
    ],
    "deal and account records always have a path, a text, and never share one": [
        "generator.site.memo.xǁDigestǁknow__mutmut_6",
        "generator.site.memo.xǁDigestǁknow__mutmut_11",
        "generator.site.memo.xǁDigestǁknow__mutmut_18",
    ],
    "the files just kept are read back as the same dict when next asked for": [
        "generator.data.parse_cache.xǁParseCacheǁkeep_blobs__mutmut_5",
    ],
    "the old cache file was just found: it exists unless another process removed it": [
        "generator.data.parse_cache.xǁParseCacheǁsave__mutmut_15",
        "generator.data.parse_cache.xǁParseCacheǁsave__mutmut_16",
    ],
    "no file on disk last changed 1 ns after the epoch (0 marks a file read from a commit)": [
        "generator.data.parse_cache.xǁParseCacheǁ__init____mutmut_11",
    ],
    "the cache is per Python minor version; the micro version would only start one more often": [
        "generator.data.parse_cache.x_code_digest__mutmut_26",
    ],
    "a page's path has one folder: its first and last slash are the same": [
        "generator.site.preview.x__page__mutmut_3",
    ],
    "the home page's current periods add up the same forecasts when not handed them": [
        "generator.site.preview.x__page__mutmut_14",
    ],
    "git -C root runs at the top folder: --full-tree and `--` change nothing there": [
        "generator.history.past.x_entries_at__mutmut_20",
        "generator.history.past.x_entries_at__mutmut_22",
        "generator.history.past.x_entries_at__mutmut_33",
    ],
    "git listed each blob in the same commit: none is missing, the default is never used": [
        "generator.history.past.x_entries_at__mutmut_85",
        "generator.history.past.x_entries_at__mutmut_87",
        "generator.history.past.x_entries_at__mutmut_88",
    ],
    "a link is refused before it is read: its place and size are never used": [
        "generator.history.past.x_entries_at__mutmut_94",
        "generator.history.past.x_entries_at__mutmut_95",
        "generator.history.past.x_entries_at__mutmut_101",
    ],
    "sha1 gives the same digest whether or not it is declared for security": [
        "generator.data.parse_cache.x_blob_id__mutmut_3",
        "generator.data.parse_cache.x_blob_id__mutmut_5",
        "generator.data.parse_cache.x_blob_id__mutmut_9",
    ],
    "another digest of the same inputs names another file, the same for every run of a version": [
        "generator.data.parse_cache.x_code_digest__mutmut_11",
        "generator.data.parse_cache.x_code_digest__mutmut_12",
    ],
    "sums of at least one Decimal are the same from 0 as from ZERO": [
        "generator.analytics.slips.xǁPeriodSlipsǁowners__mutmut_19",
        "generator.analytics.slips.xǁPeriodSlipsǁowners__mutmut_23",
    ],
    "a slip's owner is the deal file's owner, always set in valid data": [
        "generator.analytics.slips.xǁPeriodSlipsǁowners__mutmut_31",
    ],
    "git log without a revision is git log HEAD": [
        "generator.history.past.x_main_line_commit__mutmut_24",
    ],
    "a page digest of another length, separator or prefix tells the same inputs apart alike": [
        "generator.site.memo.x__hash__mutmut_4",
        "generator.site.memo.x__hash__mutmut_10",
        "generator.site.memo.x__hash__mutmut_13",
        "generator.site.memo.x_file_hash__mutmut_4",
        "generator.site.memo.x_file_hash__mutmut_5",
        "generator.site.memo.x_shared_digest__mutmut_13",
        "generator.site.memo.xǁDigestǁof__mutmut_19",
        "generator.site.memo.xǁDigestǁof__mutmut_22",
        "generator.site.memo.xǁDigestǁname__mutmut_4",
        "generator.site.memo.xǁDigestǁ_read__mutmut_36",
        "generator.site.memo.x_page_key__mutmut_8",
        "generator.site.memo.x_pickled_name__mutmut_14",
        "generator.site.memo.x_pickled_name__mutmut_15",
    ],
    "a name by another pickle protocol: equal values are named alike in every build, as with"
    " the highest": [
        "generator.site.memo.x_pickled_name__mutmut_4",
        "generator.site.memo.x_pickled_name__mutmut_6",
    ],
    "how a kind of value is read, found again each time, is found the same": [
        "generator.site.memo.xǁDigestǁ_read__mutmut_1",
        "generator.site.memo.xǁDigestǁ_read__mutmut_2",
    ],
    "any text that names no kind means a value is not read, and it has no key": [
        "generator.site.memo.x__how_to_read__mutmut_22",
    ],
    "the reason an input has no key is for reading only: the page is rendered either way": [
        "generator.site.memo.xǁDigestǁ_read__mutmut_34",
    ],
    "codec names are read in any case: `UTF-8` is `utf-8`": [
        "generator.history.mining.x__log__mutmut_24",
        "generator.history.mining.x__branch_commits__mutmut_66",
    ],
    "more of the main line known as seen: the commits before the branches' start are never"
    " among the branches' own (their log stops there)": [
        "generator.history.mining.x__branch_commits__mutmut_16",
        "generator.history.mining.x__branch_commits__mutmut_17",
    ],
    "a branch commit's blob ids are never read (only which deals it changed), so abbreviated"
    " ones serve as well": [
        "generator.history.mining.x__branch_commits__mutmut_39",
    ],
    "a deal moving to won is told as won, and one leaving it as reopened, before stages are"
    " ranked: won is never ranked": [
        "generator.history.events.x__stage_rank__mutmut_6",
        "generator.history.events.x__stage_rank__mutmut_7",
    ],
    "a change is told only between two different values: their equal case never comes": [
        "generator.history.events.x__what__mutmut_33",
        "generator.history.events.x__what__mutmut_47",
    ],
    "a version without a stage finds no stage either way (a funnel would need a stage with"
    " the id XXXX)": [
        "generator.history.events.x_weighted_snapshot__mutmut_9",
    ],
    "every event's commit is on the main line (a branch's change carries its merge's id):"
    " the order's default is never used": [
        "generator.history.events.x_all_events__mutmut_13",
        "generator.history.events.x_all_events__mutmut_15",
        "generator.history.events.x_all_events__mutmut_16",
    ],
    "a deal whose account file is broken is judged again at every check instead of kept:"
    " the same problems": [
        "generator.data.deal_rules.x__contents__mutmut_5",
    ],
    "without a parse cache nothing is kept, whether or not the key of what all deals share is"
    " made: the same problems": [
        "generator.data.deal_rules.x_deal_rules__mutmut_15",
        "generator.data.deal_rules.x_deal_rules__mutmut_25",
        "generator.data.deal_rules.x_deal_rules__mutmut_31",
        "generator.data.deal_rules.x_deal_rules__mutmut_61",
    ],
    "a kept judgement's contents are never None: looking one up for a deal without contents"
    " finds nothing it could take": [
        "generator.data.deal_rules.x_deal_rules__mutmut_39",
    ],
    "a funnel, team, deal or account file with a problem in its text is not read at all, so"
    " its record is None whatever the text: keyed by None, the same problems": [
        "generator.data.deal_rules.x__shared__mutmut_11",
        "generator.data.deal_rules.x__contents__mutmut_10",
    ],
    "a base's id, of any length, only tells one writing from another": [
        "generator.data.cache_files.xǁTailedǁwrite__mutmut_26",
    ],
    "a Tailed without a base id (never read, let go of or removed) writes a new base: its"
    " base's bytes are never compared, and None is as empty as b''": [
        "generator.data.cache_files.xǁTailedǁ__init____mutmut_5",
        "generator.data.cache_files.xǁTailedǁ__init____mutmut_7",
        "generator.data.cache_files.xǁTailedǁ__init____mutmut_8",
        "generator.data.cache_files.xǁTailedǁlet_go__mutmut_3",
        "generator.data.cache_files.xǁTailedǁremove__mutmut_7",
    ],
    "a version that is not UTF-8 reads as no mapping whether None or an empty text stands for"
    " it: every field unknown either way": [
        "generator.history.records.x_snapshot__mutmut_11",
    ],
    "a deal's id is what follows the path's last slash, however many splits are allowed": [
        "generator.history.records.x_deal_id__mutmut_6",
        "generator.history.records.x_deal_id__mutmut_9",
    ],
    "an account whose deals first appeared on the same day keeps that day: setting it again"
    " to an equal day changes nothing": [
        "generator.history.records.xǁHistoryǁaccount_first_seen__mutmut_12",
    ],
    "any pickle protocol and compression level reads back the same Markdown": [
        "generator.site.memo.xǁPageMemoǁsave__mutmut_8",
        "generator.site.memo.xǁPageMemoǁsave__mutmut_10",
        "generator.site.memo.xǁPageMemoǁsave__mutmut_11",
    ],
    "a loader's `get_source` is given the environment for its signature: none of the site's "
    "(files, a prefix, a choice of them) reads it": [
        "generator.site.reads.x__facts__mutmut_3",
    ],
    "a template's name given to `parse` only names it in a syntax error's message, which is "
    "caught (in doubt: True)": [
        "generator.site.reads.x__facts__mutmut_29",
        "generator.site.reads.x__facts__mutmut_31",
    ],
    "the key of a template's facts is any digest of its name and source: another size, or "
    "an error handler that only a lone surrogate would call (a template read from a file as "
    "UTF-8 holds none; `UTF-8` is the same codec)": [
        "generator.site.reads.x__facts__mutmut_12",
        "generator.site.reads.x__facts__mutmut_16",
        "generator.site.reads.x__facts__mutmut_18",
        "generator.site.reads.x__facts__mutmut_19",
        "generator.site.reads.x__facts__mutmut_20",
        "generator.site.reads.x__facts__mutmut_21",
    ],
    "any pickle protocol reads back the same facts": [
        "generator.site.reads.x__facts__mutmut_48",
        "generator.site.reads.x__facts__mutmut_50",
    ],
    "a kept file that cannot be read is no dict, whether None or an empty text stands for it": [
        "generator.site.reads.x__kept_facts__mutmut_16",
    ],
}
EQUIVALENT = {name: why for why, names in _WHY.items() for name in names}


def modules() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["mutmut"]["only_mutate"]


def results(module: str) -> dict[str, int | None]:
    meta = ROOT / "mutants" / f"{module}.meta"
    if not meta.is_file():
        return {}
    return json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]


def main() -> int:
    survivors: list[str] = []
    stale: list[str] = []
    print(f"{'module':24} {'mutants':>7} {'killed':>6} {'timeout':>7} {'survived':>8} "
          f"{'equiv.':>6} {'no test':>7} {'other':>5} {'rate':>6}")  # fmt: skip
    for module in modules():
        codes = {name: code for name, code in results(module).items() if code is not None}
        if not codes:
            print(f"{module:24} not run")
            continue
        killed = sum(code in KILLED for code in codes.values())
        timeouts = sum(code in TIMEOUT for code in codes.values())
        survived = [name for name, code in codes.items() if code in SURVIVED]
        equivalent = [name for name in survived if name in EQUIVALENT]
        prefix = module.removesuffix(".py").replace("/", ".") + "."
        stale += [  # a mutant not run (a run limited with MUTANTS=...) is not known to be stale
            n for n in EQUIVALENT if n.startswith(prefix) and n in codes and n not in equivalent
        ]
        uncovered = sum(code in NOT_COVERED for code in codes.values())
        other = len(codes) - killed - timeouts - len(survived) - uncovered
        counted = len(codes) - len(equivalent)
        rate = f"{100 * (killed + timeouts) / counted:5.1f}%" if counted else "-"
        print(f"{module:24} {len(codes):7} {killed:6} {timeouts:7} {len(survived):8} "
              f"{len(equivalent):6} {uncovered:7} {other:5} {rate:>6}")  # fmt: skip
        survivors += [name for name in survived if name not in EQUIVALENT]
    if survivors:
        print("\nsurvivors (`.venv/bin/mutmut show NAME`):")
        print("\n".join(f"  {name}" for name in survivors))
    if stale:
        print("\njudged equivalent, but no longer surviving (remove from tests/mutants.py):")
        print("\n".join(f"  {name}" for name in stale))
    return 0


if __name__ == "__main__":
    sys.exit(main())
