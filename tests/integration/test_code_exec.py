"""The code-execution guard: --no-code-exec.

Each technique would create a marker file if the code it generates or
loads ran. The blocked test checks that the marker is missing and that
the program saw a hermetic.PolicyViolation from the code_exec guard. The
unguarded test runs the same program under hermetic with no options and
checks that the marker appears, so a technique that fails for another
reason cannot pass the blocked test by accident.

The standard library generates code for its own work (dataclasses,
namedtuple, typing, the import system), and programs that use it must
print exactly what they print under /usr/bin/python3.
"""

import marshal
import pickle
import subprocess

import pytest

from attempts import describe, outcome_of, relevant_blocked_lines, run_hermetic, run_program, write_program
from conftest import PYTHON, run, strip_start_up_noise

SETUP = """
import os
import pickle
import types

MARKER = {marker!r}
MARSHALLED = {marshalled!r}
PICKLE = {pickled!r}


def write_marker():
    open(MARKER, "w").close()


def template():
    open("PLACEHOLDER", "w").close()


def with_marker(code):
    # The constants of `code`, with MARKER in place of "PLACEHOLDER".
    return tuple(MARKER if constant == "PLACEHOLDER" else constant for constant in code.co_consts)
"""

WRITE_MARKER = "open(MARKER, 'w').close()"

# name -> body. Each body creates MARKER if the code it makes or loads runs.
# types.FunctionType runs a code object without an exec event, so the
# compile, code-object and marshal techniques are stopped where they are
# made or loaded, not where they run.
TECHNIQUES = {
    "eval": f"eval({WRITE_MARKER!r})",
    "exec": f"exec({WRITE_MARKER!r})",
    "compile_text": f"""
        code = compile({WRITE_MARKER!r}, "<text>", "exec")
        types.FunctionType(code, globals())()
    """,
    "compile_ast": f"""
        import ast
        tree = ast.parse({WRITE_MARKER!r})
        code = compile(tree, "<ast>", "exec")
        types.FunctionType(code, globals())()
    """,
    "exec_code_object": "exec(write_marker.__code__)",
    "code_replace": """
        code = template.__code__.replace(co_consts=with_marker(template.__code__))
        types.FunctionType(code, globals())()
    """,
    "code_type": """
        old = template.__code__
        code = types.CodeType(
            old.co_argcount, old.co_posonlyargcount, old.co_kwonlyargcount, old.co_nlocals,
            old.co_stacksize, old.co_flags, old.co_code, with_marker(old), old.co_names,
            old.co_varnames, old.co_filename, old.co_name, old.co_qualname, old.co_firstlineno,
            old.co_linetable, old.co_exceptiontable,
        )
        types.FunctionType(code, globals())()
    """,
    "marshal_loads": """
        import marshal
        types.FunctionType(marshal.loads(MARSHALLED), globals())()
    """,
    "importlib_module_name": f"""
        globals()["__name__"] = "importlib.x"
        exec({WRITE_MARKER!r})
    """,
}

PICKLE_BODY = """
result = pickle.loads(PICKLE)
if hasattr(result, "wait"):
    result.wait()
"""


def reduce_payload(module, name, args):
    """Return a pickle that calls module.name(*args) when it is loaded."""
    arguments = pickle.dumps(args, protocol=2)
    # The argument tuple's opcodes, without their PROTO header and STOP.
    return b"\x80\x02c" + module.encode() + b"\n" + name.encode() + b"\n" + arguments[2:-1] + b"R."


def pickles(marker):
    """Return name -> (pickle, the callable the message names), each creating `marker`."""
    command = f"touch {marker}".encode()
    return {
        "pickle_os_system": (reduce_payload("os", "system", (f"touch {marker}",)), "os.system"),
        "pickle_subprocess_popen": (
            reduce_payload("subprocess", "Popen", (["touch", str(marker)],)),
            "subprocess.Popen",
        ),
        "pickle_builtins_eval": (
            reduce_payload("builtins", "eval", (f"open({str(marker)!r}, 'w').close()",)),
            "builtins.eval",
        ),
        "pickle_builtins_exec": (
            reduce_payload("builtins", "exec", (f"open({str(marker)!r}, 'w').close()",)),
            "builtins.exec",
        ),
        "pickle_builtins_import": (reduce_payload("builtins", "__import__", ("markermod",)), "builtins.__import__"),
        # getattr(__main__.os, "system")(command): the program imported os.
        # getattr itself stays allowed (CPython 3.11 pickles enum members
        # with it); taking the os module from __main__ is what is refused.
        "pickle_builtins_getattr": (
            b"cbuiltins\ngetattr\n(c__main__\nos\nVsystem\ntR(V" + command + b"\ntR.",
            "__main__.os",
        ),
        # Protocol 4 resolves a dotted name below an allowed module, so
        # __main__ with the name os.system reaches os.system.
        "pickle_dotted_name": (b"\x80\x04c__main__\nos.system\n(V" + command + b"\ntR.", None),
    }


PICKLE_NAMES = sorted(pickles("/marker"))

# Techniques the guard does not stop yet, each with the reason.
# Techniques the guard does not stop yet, each with the reason (none now).
KNOWN_BYPASSES = {}


def technique_params(names, known=KNOWN_BYPASSES):
    """Return pytest params for `names`, a strict xfail for each name in `known`."""
    params = []
    for name in names:
        marks = []
        if name in known:
            marks.append(pytest.mark.xfail(reason=known[name], strict=True))
        params.append(pytest.param(name, marks=marks, id=name))
    return params


def program_for(tmp_path, name):
    """Write the program for technique `name`; return it and its marker."""
    marker = tmp_path / "marker"
    (tmp_path / "markermod.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    marshalled = marshal.dumps(compile(f"open({str(marker)!r}, 'w').close()", "<marshalled>", "exec"))
    pickled, _ = pickles(marker).get(name, (b"", None))
    body = PICKLE_BODY if name.startswith("pickle_") else TECHNIQUES[name]
    setup = SETUP.format(marker=str(marker), marshalled=marshalled, pickled=pickled)
    return write_program(tmp_path, body, setup=setup), marker


@pytest.mark.parametrize("name", technique_params(sorted(TECHNIQUES) + PICKLE_NAMES))
def test_code_exec_blocked(tmp_path, name):
    program, marker = program_for(tmp_path, name)

    result = run_program(program, "--no-code-exec")

    outcome = outcome_of(result)
    assert not marker.exists(), describe(result)
    assert outcome["violation"], outcome
    assert outcome["guard"] == "code_exec", outcome
    assert outcome["message"].startswith("code execution disabled: "), outcome
    assert result.returncode == 0, describe(result)


@pytest.mark.parametrize("name", sorted(TECHNIQUES) + PICKLE_NAMES)
def test_code_exec_runs_unguarded(tmp_path, name):
    """The same program without --no-code-exec creates the marker."""
    program, marker = program_for(tmp_path, name)

    result = run_program(program)

    assert outcome_of(result)["raised"] is None, describe(result)
    assert marker.exists(), describe(result)


@pytest.mark.parametrize("name", [n for n in PICKLE_NAMES if pickles("/marker")[n][1] is not None])
def test_pickle_message_names_callable(tmp_path, name):
    program, _ = program_for(tmp_path, name)
    callable_name = pickles("/marker")[name][1]

    result = run_program(program, "--no-code-exec")

    message = outcome_of(result)["message"]
    module, _, attribute = callable_name.rpartition(".")
    # The message may name the module the pickle gives (os) or the one that defines the function (posix).
    expected = {f"code execution disabled: pickle.find_class({callable_name})"}
    if module == "os":
        expected.add(f"code execution disabled: pickle.find_class(posix.{attribute})")
    assert message in expected, describe(result)


def test_compile_message_names_file(tmp_path):
    program, _ = program_for(tmp_path, "exec")

    result = run_program(program, "--no-code-exec")

    message = f"code execution disabled: compile in {program}"
    assert outcome_of(result)["message"] == message, describe(result)
    assert f"hermetic: blocked action: {message}" in relevant_blocked_lines(result.stderr), describe(result)


def test_uncaught_eval_exits_77(tmp_path):
    marker = tmp_path / "marker"
    program = tmp_path / "uncaught.py"
    program.write_text(f"eval(\"open({str(marker)!r}, 'w').close()\")\n")

    result = run_program(program, "--no-code-exec")

    assert not marker.exists(), describe(result)
    assert result.returncode == 77, describe(result)
    assert "Traceback" not in strip_start_up_noise(result.stderr), describe(result)


# ----- a .pth file that runs exec at start-up -----

@pytest.fixture
def pth_venv(tmp_path):
    """A venv whose site-packages has a .pth file that creates a marker through exec()."""
    venv = tmp_path / "venv"
    subprocess.run([PYTHON, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True)
    marker = tmp_path / "pth-marker"
    line = f"import builtins; builtins.exec(\"open({str(marker)!r}, 'w').close()\")\n"
    (venv / "lib" / "python3.11" / "site-packages" / "hermetic_test_exec.pth").write_text(line)
    return venv, marker


def test_pth_exec_blocked(pth_venv):
    venv, marker = pth_venv

    result = run_hermetic(["--no-code-exec", "--", venv / "bin" / "python", "-c", "print('started')"])

    assert not marker.exists(), describe(result)
    assert result.stdout == "started\n", describe(result)
    assert "hermetic_test_exec.pth" in result.stderr, describe(result)


def test_pth_exec_runs_unguarded(pth_venv):
    venv, marker = pth_venv

    result = run_hermetic(["--", venv / "bin" / "python", "-c", "print('started')"])

    assert result.stdout == "started\n", describe(result)
    assert marker.exists(), describe(result)


# ----- the standard library's own code generation keeps working -----

# name -> program. Each prints the results of one library's code generation.
COMPAT_PROGRAMS = {
    "dataclasses": '''\
import dataclasses
from dataclasses import dataclass, field


@dataclass(order=True, frozen=True)
class Point:
    x: int
    y: int = 0
    tags: tuple = field(default=(), compare=False)


@dataclass
class Box:
    items: list = field(default_factory=list)

    def total(self):
        return sum(self.items)


point = Point(1, 2)
print(point, point == Point(1, 2), point < Point(2, 0), hash(point) == hash(Point(1, 2)))
print(dataclasses.asdict(point), dataclasses.replace(point, y=5), [f.name for f in dataclasses.fields(Point)])
box = Box()
box.items.append(3)
print(box, box.total())
Dynamic = dataclasses.make_dataclass("Dynamic", [("a", int), ("b", str, field(default="b"))])
print(Dynamic(1))
''',
    "namedtuple": '''\
import collections

Point = collections.namedtuple("Point", "x y", defaults=[0])
point = Point(1)
print(point, point._replace(y=3), point._asdict(), Point._fields, Point._make([4, 5]))
Renamed = collections.namedtuple("Renamed", ["def", "ok", "ok"], rename=True)
print(Renamed._fields, Renamed(1, 2, 3))
''',
    "typing": '''\
import typing


class Pair(typing.NamedTuple):
    left: str
    right: int = 0


class Movie(typing.TypedDict, total=False):
    title: str
    year: int


@typing.runtime_checkable
class Closable(typing.Protocol):
    def close(self) -> None:
        ...


class Resource:
    def close(self):
        pass


T = typing.TypeVar("T")


class Stack(typing.Generic[T]):
    def __init__(self) -> None:
        self.items: typing.List[T] = []


print(Pair("a"), Pair._field_defaults, typing.get_type_hints(Pair))
print(Movie(title="x"), typing.get_type_hints(Movie), Movie.__total__)
print(isinstance(Resource(), Closable), isinstance(1, Closable))
print(Stack[int], Stack[int]().items)
''',
    "enum": '''\
import enum


class Color(enum.Enum):
    RED = enum.auto()
    GREEN = enum.auto()


class Permission(enum.Flag):
    READ = 4
    WRITE = 2
    EXECUTE = 1


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


print(list(Color), Color["RED"], Color(2), Permission.READ | Permission.WRITE, Level.HIGH > Level.LOW)
Dynamic = enum.Enum("Dynamic", "A B C")
print(list(Dynamic), Dynamic.B.value)
''',
    "functools": '''\
import functools


@functools.singledispatch
def describe(value):
    return "object"


@describe.register
def _(value: int):
    return "int"


@describe.register(list)
def _(value):
    return "list"


@functools.lru_cache(maxsize=None)
def fibonacci(n):
    return n if n < 2 else fibonacci(n - 1) + fibonacci(n - 2)


square = functools.partial(pow, exp=2)
print(describe(1), describe([1]), describe("text"))
print(fibonacci(30), fibonacci.cache_info())
print(square(7), functools.reduce(lambda a, b: a * b, range(1, 6)))
''',
    "string_template": '''\
import string

template = string.Template("$who likes ${what}")
print(template.substitute(who="tim", what="kung pao"))
print(template.safe_substitute(who="tim"))
print(string.Formatter().format("{0:>5}|{name}", 42, name="n"))
''',
    "timeit": '''\
import timeit

print(isinstance(timeit.timeit("sum(range(100))", number=100), float))
print(timeit.Timer("x * 2", setup="x = 21").timeit(1) >= 0)
print(len(timeit.repeat("pass", repeat=3, number=5)))
''',
    "doctest_collection": '''\
import doctest

import docmodule

tests = doctest.DocTestFinder().find(docmodule)
print(sorted((test.name, len(test.examples)) for test in tests))
print([example.source for test in sorted(tests, key=lambda t: t.name) for example in test.examples])
''',
    "ast": '''\
import ast

tree = ast.parse("total = sum([1, 2]) * factor")
print(ast.dump(tree))
print(ast.unparse(tree))
print(ast.literal_eval("{'a': (1, 2.5, None), 'b': [True, b'x']}"))
''',
    "import_system": '''\
import importlib

import ownpackage
from ownpackage.sub import module

print(ownpackage.GREETING, module.describe())
again = importlib.import_module("ownpackage.sub.module")
print(again is module, importlib.reload(module).describe())
''',
    "pickle_plain_data": '''\
import pickle

data = {"list": [1, 2.5, None, True], "tuple": (1, "a"), "set": {3, 4}, "frozenset": frozenset({5}),
        "bytes": b"raw", "bytearray": bytearray(b"ba"), "complex": 1 + 2j, "nested": {"k": [{"x": 1}]}}
for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
    print(protocol, pickle.loads(pickle.dumps(data, protocol=protocol)) == data)
print(sorted(pickle.loads(pickle.dumps(data))))
''',
    "pickle_own_classes": '''\
import collections
import copy
import dataclasses
import pickle


class Account:
    def __init__(self, owner, balance):
        self.owner = owner
        self.balance = balance

    def __repr__(self):
        return f"Account({self.owner!r}, {self.balance})"


@dataclasses.dataclass
class Entry:
    amount: int
    note: str = ""


Point = collections.namedtuple("Point", "x y")


values = [Account("ann", 10), Entry(5, "fee"), Point(1, 2), {"nested": [Entry(1)]}]
for value in values:
    print(pickle.loads(pickle.dumps(value)), copy.deepcopy(value))
''',
    "pickle_own_enum": '''\
import enum
import pickle


class Kind(enum.Enum):
    DEBIT = 1
    CREDIT = 2


class Level(enum.IntFlag):
    LOW = 1
    HIGH = 2


for value in [Kind.CREDIT, Level.HIGH, [Kind.DEBIT, {"level": Level.LOW}]]:
    print(pickle.loads(pickle.dumps(value)))
''',
    "pickle_standard_types": '''\
import collections
import datetime
import decimal
import fractions
import pickle
import uuid

values = [
    datetime.datetime(2024, 2, 29, 12, 30, tzinfo=datetime.timezone.utc), datetime.date(2024, 1, 1),
    datetime.timedelta(days=2), decimal.Decimal("1.10"), fractions.Fraction(1, 3),
    collections.OrderedDict(a=1, b=2), collections.deque([1, 2]), collections.Counter("aab"),
    uuid.UUID(int=1),
]
for value in values:
    print(pickle.loads(pickle.dumps(value)) == value, repr(value))
''',
    "json": '''\
import decimal
import json


def default(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(value)


text = json.dumps({"b": [1, 2.5, None], "a": "\\u00e9", "d": decimal.Decimal("1.10")}, sort_keys=True,
                  indent=2, default=default)
print(text)
print(json.loads(text, object_hook=lambda item: sorted(item.items())))
try:
    json.loads("{bad")
except json.JSONDecodeError as error:
    print("error", error)
''',
}

DOC_MODULE = '''\
"""A module with doctests.

>>> 1 + 1
2
"""


def add(a, b):
    """Add two numbers.

    >>> add(2, 3)
    5
    """
    return a + b


class Counter:
    def increment(self, value):
        """Return value plus one.

        >>> Counter().increment(1)
        2
        """
        return value + 1
'''


def write_compat_files(directory, name):
    """Write program `name` and the modules it imports; return the program."""
    (directory / "docmodule.py").write_text(DOC_MODULE)
    package = directory / "ownpackage"
    (package / "sub").mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text('GREETING = "hello"\nfrom .sub import module\n')
    (package / "sub" / "__init__.py").write_text("")
    (package / "sub" / "module.py").write_text(
        "from .. import GREETING\n\n\ndef describe():\n    return GREETING + ' from ' + __name__\n"
    )
    program = directory / f"compat_{name}.py"
    program.write_text(COMPAT_PROGRAMS[name])
    return program


# Programs that the guard breaks, each with the reason.
# Programs the guard still breaks, each with the reason (none now).
KNOWN_BREAKAGES = {}


@pytest.mark.parametrize("name", technique_params(sorted(COMPAT_PROGRAMS), KNOWN_BREAKAGES))
def test_library_matches_python3(tmp_path, name):
    program = write_compat_files(tmp_path, name)
    plain = run([PYTHON, program], cwd=tmp_path)

    result = run_hermetic(["--no-code-exec", "--", PYTHON, program], cwd=tmp_path)

    assert plain.returncode == 0, describe(plain)
    assert result.returncode == 0, describe(result)
    assert result.stdout == plain.stdout, describe(result)
    assert strip_start_up_noise(result.stderr) == plain.stderr, describe(result)


def test_block_all_blocks_eval(tmp_path):
    program, marker = program_for(tmp_path, "eval")

    result = run_program(program, "--profile", "block-all")

    assert not marker.exists(), describe(result)
    assert outcome_of(result)["guard"] == "code_exec", describe(result)
