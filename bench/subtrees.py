"""What the portal's answer costs the API, subtree by subtree: its CPU time per request for
the contract's ProjectAppointments and for the same query with its selections left out one
after another, beside the reference's for the whole answer. The difference between two rows
is what the part left out costs (its statements, its objects and their fields): the figures
behind the next step's fifth lever, which would take the nested lists off the API's Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import REMOVE, FieldNode, Visitor, parse, print_ast, visit

from bench import procs
from bench.measure import Side, api_round, loadgen, reference_round, take_turns
from bench.options import Options
from bench.scenarios import Scenario
from bench.servers import Server

NODE = "appointments.edges.node"

# Each step leaves out more than the one before: (what it leaves out, the paths it drops).
PORTAL_STEPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("nothing: the contract's query", ()),
    ("`bookings { id status promoter { … } }`", (f"{NODE}.bookings",)),
    ("`location { id store { … } }`", (f"{NODE}.location",)),
    (
        "the appointment's fields but `id`",
        tuple(
            f"{NODE}.{name}"
            for name in ("startsAt", "endsAt", "status", "promotersNeeded", "rejectionReason")
        ),
    ),
    ("`edges`: `totalCount` and `pageInfo` are left", ("appointments.edges",)),
)
# The first step with neither of the nested objects and lists.
WITHOUT_NESTED = 2


class NotInQuery(KeyError):
    """A path to leave out names no field of the query."""


def without(query: str, paths: tuple[str, ...]) -> str:
    """The query with the fields at the dotted `paths` (response keys from the operation's
    root, through fragments) left out."""
    dropping = _Dropping(set(paths))
    document = visit(parse(query), dropping)
    # A path below one dropped goes with it.
    missing = [p for p in paths if not any(f"{p}.".startswith(f"{d}.") for d in dropping.dropped)]
    if missing:
        raise NotInQuery(missing)
    return print_ast(document)


def _key_of(node: FieldNode) -> str:
    return (node.alias or node.name).value


class _Dropping(Visitor):
    def __init__(self, paths: set[str]) -> None:
        super().__init__()
        self.paths = paths
        self.dropped: set[str] = set()

    def enter_field(
        self, node: FieldNode, _key: Any, _parent: Any, _path: Any, ancestors: list[Any]
    ) -> Any:
        keys = [_key_of(a) for a in ancestors if isinstance(a, FieldNode)]
        dotted = ".".join([*keys, _key_of(node)])
        if dotted in self.paths:
            self.dropped.add(dotted)
            return REMOVE
        return None


@dataclass
class Step:
    """One query of the ladder and the server CPU it took."""

    left_out: str
    query: str
    side: Side = field(default_factory=Side)
    cpu_s: float = 0.0

    @property
    def cpu_ms(self) -> float:
        """Server CPU (every thread of every process) per request."""
        return 1000 * self.cpu_s / self.side.requests if self.side.requests else 0.0


@dataclass(frozen=True)
class SubtreeCosts:
    scenario: Scenario
    # Cumulative: each step leaves out its own part and every earlier step's.
    steps: list[Step]
    reference: Step

    @property
    def without_nested(self) -> Step:
        return self.steps[WITHOUT_NESTED]


def ladder(query: str) -> list[Step]:
    dropped: tuple[str, ...] = ()
    steps = []
    for left_out, paths in PORTAL_STEPS:
        dropped += paths
        steps.append(Step(left_out, without(query, dropped)))
    return steps


def _cpu(server: Server) -> float:
    return sum(procs.cpu_seconds(pid) for pid in server.pids())


def measure_subtrees(
    api: Server, reference: Server, scenario: Scenario, query: str, options: Options
) -> SubtreeCosts:
    """The ladder on the API and the whole query on the reference, in alternating rounds
    that take half the scenario's time per query."""
    steps = ladder(query)
    whole = Step(steps[0].left_out, query)
    servers = [api] * len(steps) + [reference]
    runs = [*steps, whole]
    for server, step in zip(servers, runs, strict=True):
        loadgen(server, scenario, step.query, options.warmup_seconds / 2, options.concurrency)

    def one_round(index: int, seconds: float) -> None:
        server, step = servers[index], runs[index]
        before = _cpu(server)
        measure_round = api_round if server is api else reference_round
        measure_round(server, scenario, step.query, seconds, options, step.side)
        step.cpu_s += _cpu(server) - before

    take_turns(len(runs), options.seconds / 2, options.rounds, one_round)
    return SubtreeCosts(scenario, steps, whole)
