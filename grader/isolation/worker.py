"""The worker: the only process that runs learner code.

Started by ``grader.isolation.sandbox`` as
``python -I worker.py REQUEST_FD REPLY_FD OUTPUT_CAP CONTROL_FD [NUMPY_PATH]``.
It imports NumPy once, then serves requests on the first two pipe descriptors:

- ``open``: fork a child for one exercise; the child loads the learner's module (or notebook
  cells) and answers ``call`` requests until ``close``. Forking keeps NumPy's start-up paid once
  per submission while giving every exercise a fresh interpreter state: a module that patches
  NumPy, leaks threads or crashes costs only its own exercise.
- when the child ends, for any reason, this process reports how it ended (``ended``);
- ``reset``: once a student's processes have all ended, this process answers on CONTROL_FD, a
  pipe no process that runs learner code holds (closed right after each student's fork), so that
  nothing a student's code writes can pass for a fresh start for the next student.

Comparisons never happen here: the worker only returns plain data (see ``wire``). It must not
import the grader package, which is out of its reach in the sandbox.
"""

import fcntl
import io
import os
import shutil
import signal
import sys
import traceback
from time import monotonic as _monotonic
from time import sleep as _sleep

REQUEST_FD, REPLY_FD, OUTPUT_CAP, CONTROL_FD = (int(arg) for arg in sys.argv[1:5])
if len(sys.argv) > 5 and sys.argv[5] not in sys.path:
    sys.path.append(sys.argv[5])  # where NumPy lives when it is outside the standard site-packages

import __future__  # noqa: E402

import ast  # noqa: E402
import builtins  # noqa: E402
import contextlib  # noqa: E402
import importlib.abc  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import types  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402


def _load_beside(name: str):
    """Load a module from beside this file without putting the folder on sys.path."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"_grader_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


wire = _load_beside("wire")
# Process mode: what the exercise's process may read and write once it confines itself (Landlock).
CONFINEMENT = json.loads(os.environ.pop("GRADER_CONFINE", None) or "null")
landlock = _load_beside("landlock") if CONFINEMENT and CONFINEMENT["landlock"] else None
seccomp = _load_beside("seccomp") if CONFINEMENT and CONFINEMENT["seccomp"] else None

# Keep private references: learner code may replace these names on the modules it can reach.
_fork, _waitpid, _read, _write, _exit = os.fork, os.waitpid, os.read, os.write, os._exit
_pack, _unpack = wire.pack, wire.unpack
_ndarray, _array_equal, _copy, _tobytes = np.ndarray, np.array_equal, np.array, np.ndarray.tobytes
_fstat = os.fstat
_AST_ONLY, _Module, _Import, _ImportFrom = ast.PyCF_ONLY_AST, ast.Module, ast.Import, ast.ImportFrom
_FUTURE_FLAGS = {name: getattr(__future__, name).compiler_flag for name in __future__.all_feature_names}


def _read_exactly(n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = _read(REQUEST_FD, min(n - got, 1 << 20))
        if not chunk:
            _exit(0)  # the grader went away
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def receive() -> dict:
    # Never reads past its frame: the next frame may be for another process (the exercise's parent).
    header_len, blob_len = wire.read_prefix(_read_exactly(wire.PREFIX_SIZE), wire.MAX_REQUEST_HEADER_BYTES)
    body = memoryview(_read_exactly(header_len + blob_len))
    return _unpack(bytes(body[:header_len]), body[header_len:], make_fn=_make_fn)


def send(message: dict) -> None:
    send_frame(_pack(message))


def send_frame(data: bytes, fd: int = REPLY_FD) -> None:
    view = memoryview(data)
    while view:
        view = view[_write(fd, view) :]


def send_control(message: dict) -> None:
    """Answer on the control pipe, which only this process (never a student's) holds."""
    send_frame(_pack(message), CONTROL_FD)


def _make_fn(source: str):
    return wire.Fn(source)  # sources come from the grader's own checks; packed back by source


class CappedOutput(io.TextIOBase):
    """stdout/stderr for learner code: writes to the shared output file until it is full."""

    def __init__(self, fd: int):
        self.fd = fd
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        data = str(text).encode("utf-8", "replace")
        try:
            room = OUTPUT_CAP - _fstat(self.fd).st_size
            if room > 0:
                _write(self.fd, data[:room])
        except OSError:
            room = 0
        self.dropped += max(0, len(data) - max(room, 0))
        return len(text)

    def flush(self) -> None:
        pass


# Where the frames of libraries come from (NumPy's, the standard library's): a learner's traceback
# shows the learner's own lines, not NumPy's internals below the call that failed.
NOT_THE_LEARNERS = (
    "<frozen",
    "<__array_function__",
    os.path.dirname(os.__file__) + os.sep,
    os.path.dirname(os.path.dirname(np.__file__)) + os.sep,
)


def _learners_frame(frame: traceback.FrameSummary) -> bool:
    return frame.filename != __file__ and not frame.filename.startswith(NOT_THE_LEARNERS)


def describe_exception(exc: BaseException) -> dict:
    """The learner-facing summary of an exception: type, message, and the learner's frames."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if _learners_frame(f)]
    lines = traceback.format_list(frames[-4:]) if frames else []
    try:
        message = str(exc)
    except BaseException:
        message = "<unprintable message>"
    return {"type": type(exc).__name__, "message": message[:2000], "traceback": "".join(lines)[-4000:]}


# ---------------------------------------------------------------- one exercise (in the child)


def load_exercise(request: dict) -> tuple[dict, list]:
    """Run the learner's code for one exercise; return its namespace and the errors met."""
    errors = []
    if request["kind"] == "module":
        path = os.path.abspath(request["path"])
        sys.path.insert(0, os.path.dirname(path))  # the learner's own helper modules
        spec = importlib.util.spec_from_file_location(request["module"], path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[request["module"]] = module
        try:
            spec.loader.exec_module(module)
        except BaseException as exc:  # the learner's import may raise anything, even SystemExit
            errors.append({"where": os.path.basename(path), **describe_exception(exc), **_library_of(exc)})
        return vars(module), errors
    namespace = {"__name__": "__main__"}
    builtins.display = StandIn()  # Jupyter's display() is a builtin there
    future = 0  # the __future__ features a cell imported hold for the later ones, as in IPython
    for cell in request["cells"]:
        future = run_cell(cell, namespace, errors, future)
    return namespace, errors


# ---------------------------------------------------------------- learner code: run as a notebook kernel would

# Libraries the contract does not promise, met by a failing import: {name the import would bind: library}.
MISSING_LIBRARIES: dict[str, str] = {}
PLOTTING_LIBRARIES = ("matplotlib", "mpl_toolkits", "seaborn", "IPython")  # plotting never costs points


def run_cell(cell: dict, namespace: dict, errors: list, future: int = 0) -> int:
    """Run a cell's top-level statements one by one, as the course's environment reports them.

    A statement that raises (most often an import the grading machine lacks) is noted and the
    rest of the cell still runs, so one missing library does not leave the cell's later names
    undefined. ``future`` holds the compiler flags of the ``__future__`` features imported so
    far; returns them with the cell's own added.
    """
    label, setup = cell["label"], bool(cell.get("setup"))
    try:
        tree = compile(cell["code"], label, "exec", _AST_ONLY | future, dont_inherit=True)
    except BaseException as exc:  # a SyntaxError: nothing of the cell can run
        errors.append({"where": label, "setup": setup, **describe_exception(exc)})
        return future
    for statement in tree.body:
        try:
            exec(compile(_Module([statement], []), label, "exec", future, dont_inherit=True), namespace)
            if isinstance(statement, _ImportFrom) and statement.module == "__future__":
                for alias in statement.names:
                    future |= _FUTURE_FLAGS.get(alias.name, 0)
        except BaseException as exc:
            error = {"where": f"{label}, line {statement.lineno}", "setup": setup, **describe_exception(exc)}
            library = _library_of(exc)
            error.update(library)
            for name in _bound_names(statement) if library else ():
                MISSING_LIBRARIES[name] = library["library"]
            errors.append(error)
    return future


def _missing_library(exc: BaseException) -> str:
    if isinstance(exc, ModuleNotFoundError) and isinstance(exc.name, str):
        return exc.name.split(".")[0]
    return ""


def _bound_names(statement) -> list[str]:
    """The names an import statement binds (what later code will miss when it failed)."""
    if isinstance(statement, _Import):
        return [alias.asname or alias.name.split(".")[0] for alias in statement.names]
    if isinstance(statement, _ImportFrom):
        return [alias.asname or alias.name for alias in statement.names if alias.name != "*"]
    return []


class StandIn:
    """Takes the place of a plotting library the grading machine lacks: accepts any use, does nothing."""

    def __call__(self, *args, **kwargs):
        return StandIn()

    def __getattr__(self, name: str):
        return _stand_in_attribute(name)

    def __getitem__(self, key):
        return StandIn()

    def __setitem__(self, key, value) -> None:
        pass

    def __iter__(self):
        return iter(())

    def __len__(self) -> int:
        return 0

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        return False


def _stand_in_attribute(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    return _subplots if name == "subplots" else StandIn()


def _subplots(*args, **kwargs):
    return StandIn(), StandIn()  # fig, ax = plt.subplots(...)


class _StandInModule(types.ModuleType):
    def __getattr__(self, name: str):
        return _stand_in_attribute(name)


class _StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on sys.meta_path: answers only for plotting libraries that no real finder found."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in PLOTTING_LIBRARIES:
            return importlib.util.spec_from_loader(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        module = _StandInModule(spec.name)
        module.__path__ = []
        return module

    def exec_module(self, module) -> None:
        pass


def install_plotting_stand_ins() -> None:
    """Real matplotlib (if installed) draws off screen; missing plotting libraries get stand-ins."""
    os.environ["MPLBACKEND"] = "Agg"
    warnings.filterwarnings("ignore", message=".*non-interactive.*cannot be shown")  # plt.show() under Agg
    sys.meta_path.append(_StandInFinder())


def call(namespace: dict, name: str, args: list) -> dict:
    function = namespace.get(name)
    if not callable(function):
        return {"ok": False, "error": {"type": "NotDefined", "message": f"{name} is not defined"}}
    before = [_copy(a) if isinstance(a, _ndarray) else None for a in args]
    try:
        value = function(*args)
    except BaseException as exc:
        return {"ok": False, "error": {**describe_exception(exc), **_library_of(exc)}}
    mutated = [i for i, (a, b) in enumerate(zip(args, before)) if b is not None and not _same(a, b)]
    return {"ok": True, "value": value, "mutated": mutated}


def _library_of(exc: BaseException) -> dict:
    """The library a failed call needed, when it is one the grading machine lacks."""
    library = _missing_library(exc)
    if not library and isinstance(exc, NameError):
        library = MISSING_LIBRARIES.get(getattr(exc, "name", None) or "", "")
    return {"library": library} if library else {}


def _same(a, b) -> bool:
    try:
        # The same bytes, dtype and shape is the common case, and 20 times cheaper to tell.
        if a.dtype == b.dtype and a.shape == b.shape and _tobytes(a) == _tobytes(b):
            return True
        return bool(_array_equal(a, b, equal_nan=True))
    except BaseException:
        return False


def pack_results(request_id, results: list, dropped_output: int) -> bytes:
    """Encode the answers to a batch of calls; an answer that cannot be read becomes an error."""
    try:
        return _pack({"id": request_id, "results": results, "dropped_output": dropped_output})
    except BaseException:  # a learner's object may raise anything while being read
        pass
    for index, result in enumerate(results):
        try:
            _pack({"value": result.get("value")})
        except BaseException as exc:
            error = {"type": "UnreadableValue", "message": describe_exception(exc)["message"]}
            results[index] = {"ok": False, "error": error}
    return _pack({"id": request_id, "results": results, "dropped_output": dropped_output})


_EXERCISE_PID = []  # the exercise's own process, once it runs


def only_the_exercise_process() -> None:
    """A process learner code forked, back in the worker's code (its fork returned): it ends here.

    Otherwise it would answer the grader too, racing the exercise's own process for requests.
    """
    if os.getpid() != _EXERCISE_PID[0]:
        _exit(0)


def serve_exercise(request: dict) -> None:
    confine()
    _EXERCISE_PID.append(os.getpid())
    os.setpgid(0, 0)  # its own process group, so everything it starts can be killed with it
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # if learner code kills this worker, the exercise must not answer on
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    stdout = CappedOutput(1)
    sys.stdout = sys.stderr = stdout
    namespace, errors = load_exercise(request)
    only_the_exercise_process()
    send({"id": request.get("id"), "ok": True, "errors": errors, "dropped_output": stdout.dropped})
    while True:
        request = receive()
        if request.get("op") != "call":
            _exit(0)
        with callees_from_grader(namespace, request.get("substitute"), request.get("id"), request["func"]):
            results = [call(namespace, request["func"], args) for args in request["args_list"]]
        only_the_exercise_process()
        send_frame(pack_results(request.get("id"), results, stdout.dropped))


# ---------------------------------------------------------------- error carried forward: callees answered by the grader

MAX_SUBSTITUTES = 8


class GraderCallbackError(RuntimeError):
    """The grader could not give the right answer of a callee at these arguments."""


@contextlib.contextmanager
def callees_from_grader(namespace: dict, names, request_id, caller: str = ""):
    """For one call request, the learner's functions ``names`` answer with the grader's (right) values.

    A caller is re-judged with its callee right: each call of the callee sends its arguments to
    the grader, which answers with the reference's value (no reference code comes here). The
    callee is replaced wherever the caller reaches it: by its name, by another global bound to it
    (``step = mse_grad``), and as a default argument of the caller (``grad_fn=mse_grad``).
    """
    names = [n for n in names if isinstance(n, str)][:MAX_SUBSTITUTES] if isinstance(names, list) else []
    if not names:  # most calls: nothing to replace
        yield
        return
    stand_ins = {name: _callee_from_grader(name, request_id) for name in names}
    # By identity (two live objects never share an id): learner objects are never compared.
    instead_of = {
        id(namespace[name]): stand_ins[name]
        for name in names
        if isinstance(namespace.get(name), types.FunctionType)  # never a shared object such as None
    }
    saved = {
        key: value
        for key, value in namespace.items()
        if type(key) is str and (key in stand_ins or id(value) in instead_of)
    }
    namespace.update({key: instead_of[id(value)] for key, value in saved.items() if id(value) in instead_of})
    namespace.update(stand_ins)
    function = saved.get(caller, namespace.get(caller))
    defaults = _swap_defaults(function, instead_of) if isinstance(function, types.FunctionType) else None
    try:
        yield
    finally:
        if defaults is not None:
            function.__defaults__, function.__kwdefaults__ = defaults
        for key in {*stand_ins, *saved}:
            if key in saved:
                namespace[key] = saved[key]
            else:
                namespace.pop(key, None)


def _swap_defaults(function: types.FunctionType, instead_of: dict) -> tuple:
    """Put the stand-ins in place of the callees among ``function``'s defaults; the defaults it had."""
    positional, keyword = function.__defaults__, function.__kwdefaults__
    if positional:
        function.__defaults__ = tuple(instead_of.get(id(value), value) for value in positional)
    if keyword:
        function.__kwdefaults__ = {key: instead_of.get(id(value), value) for key, value in keyword.items()}
    return positional, keyword


def _callee_from_grader(name: str, request_id):
    def callee(*args, **kwargs):
        only_the_exercise_process()
        send({"id": request_id, "callback": name, "args": list(args), "kwargs": kwargs})
        answer = receive()
        if answer.get("op") != "callback_result" or answer.get("id") != request_id:
            _exit(0)  # the grader gave up on this exercise
        if not answer.get("ok"):
            raise GraderCallbackError(f"the right {name} could not be computed here: {answer.get('message', '')}")
        return answer.get("value")

    callee.__name__ = name
    return callee


# ---------------------------------------------------------------- the long-lived parent


def describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = str(number)
        return f"killed by signal {name}"
    return f"exited with status {os.WEXITSTATUS(status)}"


SOURCE, HOME = "/submission-source", "/submission"  # see grader/isolation/sandbox.py
SANDBOXED = os.environ.get("GRADER_SANDBOXED") == "1"  # alone in its own namespaces
PRIVATE_FOLDERS = ("/tmp", "/dev/shm", HOME)  # in the sandbox: a new tmpfs each per student
SYSV_TABLES = ("/proc/sysvipc/shm", "/proc/sysvipc/msg", "/proc/sysvipc/sem")
NOT_CLEAN_STATUS = 86  # the exit status that tells the grader a student's space was not fresh, or not confined
# Where Python looks for bytecode once learner code may run: a folder that can never exist, so
# every module is compiled from its source and nothing a student compiled is ever loaded.
BYTECODE_DIR = os.path.join(os.devnull, "bytecode")


def copy_submission() -> None:
    """Fill the sandbox's working folder (a size-capped tmpfs) from the read-only scratch copy."""
    if SANDBOXED:
        shutil.copytree(SOURCE, HOME, dirs_exist_ok=True)
        os.chdir(HOME)  # a new tmpfs was mounted over the working folder: enter it, not the old one below


def end_other_processes(keep: set[int], patience_s: float = 5.0) -> None:
    """End every process the learner's code started, even ones that left their process group.

    In the sandbox's own PID namespace that is every process but ``keep``; in process isolation,
    every process carrying this worker's token but ``keep``. Passes repeat until one finds
    nothing: a process that forks and exits at once is caught by a later pass.
    """
    deadline = _monotonic() + patience_s
    while (found := _other_processes(keep)) and _monotonic() < deadline:
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def _other_processes(keep: set[int]) -> list[int]:
    marker = ("GRADER_WORKER_TOKEN=" + os.environ.get("GRADER_WORKER_TOKEN", "")).encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in keep:
            continue
        if not SANDBOXED:
            try:
                with open(f"/proc/{name}/environ", "rb") as environ:
                    if marker not in environ.read().split(b"\0"):
                        continue
            except OSError:
                continue
        found.append(int(name))
    return found


def wait_for(pid: int) -> int:
    """The status of child ``pid``; as a PID namespace's init, reaping every orphan meanwhile."""
    if os.getpid() != 1:
        return _waitpid(pid, 0)[1]
    while True:
        ended, status = _waitpid(-1, 0)
        if ended == pid:
            return status


# The open files every exercise's and every student's processes share with the worker. Their
# status flags (O_NONBLOCK, O_APPEND, O_ASYNC) and a pipe's size belong to the open file, not to
# a process: learner code that changes them would change them for the exercises and students
# after it (a reply pipe shrunk to a page and made non-blocking fails their long replies). They
# are put back after every exercise, and checked before a fresh start is promised.
F_SETPIPE_SZ, F_GETPIPE_SZ = 1031, 1032
SHARED_FILES = (REQUEST_FD, REPLY_FD, 1, 2)


def _pipe_size(fd: int) -> int | None:
    try:
        return fcntl.fcntl(fd, F_GETPIPE_SZ)
    except OSError:  # not a pipe: the output file
        return None


SHARED_STATE = {fd: (fcntl.fcntl(fd, fcntl.F_GETFL), _pipe_size(fd)) for fd in SHARED_FILES}


def restore_shared_files() -> str:
    """Put the shared open files back as the worker started them; what could not be ("" if all was)."""
    for fd, (flags, pipe_size) in SHARED_STATE.items():
        try:
            if fcntl.fcntl(fd, fcntl.F_GETFL) != flags:
                fcntl.fcntl(fd, fcntl.F_SETFL, flags)
            if pipe_size is not None and fcntl.fcntl(fd, F_GETPIPE_SZ) != pipe_size:
                fcntl.fcntl(fd, F_SETPIPE_SZ, pipe_size)
        except OSError as exc:
            return f"its shared file {fd} could not be restored ({exc})"
    return ""


def end_namespace(patience_s: float = 1.0) -> None:
    """As the init of a PID namespace: kill every other process in it at once, and reap them.

    A process with SIGKILL pending never runs another instruction of its own; one still dying
    after ``patience_s`` (a write to a slow disk) is reaped by the next ``wait_for``.
    """
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        return
    deadline = _monotonic() + patience_s
    while _monotonic() < deadline:
        try:
            if _waitpid(-1, os.WNOHANG)[0] == 0:
                _sleep(0.001)
        except ChildProcessError:
            return


def leftovers() -> list[str]:
    """What a student's space in the sandbox holds that a new student's must not: files, SysV IPC objects."""
    if not SANDBOXED:
        return []
    found = []
    for folder in PRIVATE_FOLDERS:
        found += [os.path.join(folder, name) for name in os.listdir(folder)]
    for table in SYSV_TABLES:
        try:
            with open(table) as listing:
                rows = listing.read().splitlines()[1:]
        except OSError:
            continue
        found += [f"{table}: {row.split()[1] if len(row.split()) > 1 else row}" for row in rows]
    return found


# ---------------------------------------------------------------- a fresh start per student

PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 4, 24, 38
CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID = 0x00020000, 0x08000000, 0x10000000, 0x20000000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 2, 4, 1 << 14, 1 << 18


_LIBC = []  # ctypes and the C library, loaded once


def _libc():
    if not _LIBC:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
        _LIBC.extend((ctypes, libc))
    return _LIBC[0], _LIBC[1]


def _prctl(option: int, value: int) -> None:
    """Linux's prctl(2), best effort: elsewhere the protection is simply absent."""
    try:
        _, libc = _libc()
        libc.prctl(option, value, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _checked(result: int, what: str) -> None:
    if result != 0:
        ctypes, _ = _libc()
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def fresh_namespaces(tmp_bytes: int) -> None:
    """Give this process new user, mount and IPC namespaces with new, empty private folders.

    Everything a student leaves (files in read-only folders, SysV objects, mounts) lives in these
    namespaces and disappears with their last process: the next student's are new, not emptied.
    The next child starts a new PID namespace too (see ``serve_student``). The capabilities the
    new user namespace grants are dropped before any learner code runs (``drop_capabilities``),
    so the new mounts cannot be undone to reach the ones beneath.
    """
    ctypes, libc = _libc()
    uid, gid = os.getuid(), os.getgid()
    _checked(libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWIPC), "unshare")
    try:
        _prctl(PR_SET_DUMPABLE, 1)  # else /proc/self belongs to root and the maps cannot be written
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as mapping:
                mapping.write(text)
        _prctl(PR_SET_DUMPABLE, 0)
        _checked(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "mount --make-rprivate /")
        for folder in PRIVATE_FOLDERS:
            options = f"size={tmp_bytes},mode=0755".encode()
            _checked(libc.mount(b"tmpfs", folder.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options), f"mount {folder}")
        _checked(libc.unshare(CLONE_NEWPID), "unshare PID namespace")
    except OSError as exc:  # half-made namespaces: no place to grade in
        not_clean(f"its namespaces could not be made ({exc})")


def confine() -> None:
    """Process mode: confine this process before any learner code runs (landlock.py, seccomp.py).

    The grader asks only for what this machine offers, and the student's process proved it works
    (``prove_confinement``); learner code never runs less confined than asked.
    """
    if CONFINEMENT:
        try:
            _confine()
        except Exception as exc:
            _write(1, f"grader error: learner code could not be confined ({exc})\n".encode())
            _exit(1)
        if landlock:
            # Its processes stay readable to the cleanup (their environment holds the worker's
            # token), which a non-dumpable process's /proc files are not to a user other than root;
            # learner code of any other exercise, confined apart, still cannot trace them.
            _prctl(PR_SET_DUMPABLE, 1)


def _confine() -> None:
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    if landlock:
        landlock.confine(CONFINEMENT["read"], CONFINEMENT["write"], CONFINEMENT["devices"])
    if seccomp:
        seccomp.install()


def prove_confinement() -> None:
    """Before the student's code: confine a child as exercises will be, or refuse to grade (loudly).

    Run by the student's process, not the worker: as root in process mode, the worker's first
    child is the init of a new PID namespace, which must be the student's process.
    """
    if not CONFINEMENT:
        return
    pid = _fork()
    if pid == 0:
        try:
            _confine()
        except Exception as exc:
            not_clean(f"learner code could not be confined ({exc})")
        _exit(0)
    status = _waitpid(pid, 0)[1]
    if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0):
        _exit(NOT_CLEAN_STATUS)


def refused(status: int) -> bool:
    """Whether a process of the worker's ended by refusing to grade (``not_clean``)."""
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == NOT_CLEAN_STATUS


def not_clean(why: str) -> None:
    """Refuse to grade the student here: the grader reports it as its own error, loudly."""
    _write(1, f"grader error: the sandbox is not a fresh start: {why}\n".encode())
    _exit(NOT_CLEAN_STATUS)


def own_proc() -> None:
    """As the init of the student's PID namespace: a /proc that shows that namespace alone."""
    ctypes, libc = _libc()
    MS_NOEXEC = 8
    try:
        _checked(libc.mount(b"proc", b"/proc", b"proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None), "mount /proc")
    except OSError as exc:
        not_clean(f"its /proc could not be mounted ({exc})")


def drop_capabilities() -> None:
    """Give up every capability (those a new user namespace grants): nothing mounted can be undone."""
    ctypes, libc = _libc()

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    for capability in range(64):
        libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0)
    _checked(libc.capset(ctypes.byref(Header(0x20080522, 0)), (Data * 2)()), "capset")


def start_student(reset_w: int) -> bool:
    """In the student's own process: new namespaces where possible, proof they are empty, bytecode off.

    True when this process's children start in a new PID namespace.
    """
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    namespaced = False
    if SANDBOXED:
        try:
            fresh_namespaces(int(os.environ.get("GRADER_TMP_BYTES", 64 << 20)))
            namespaced = True
        except OSError as exc:  # the grader then starts a new sandbox for every student
            _write(reset_w, b"shared " + str(exc).encode()[:200] + b"\n")
    found = leftovers()
    if found:
        not_clean("it holds " + ", ".join(found[:5]))
    prove_confinement()
    sys.dont_write_bytecode = True
    sys.pycache_prefix = BYTECODE_DIR
    copy_submission()
    return namespaced


def serve_student(request: dict, reset_w: int) -> None:
    """One student, from the first "open" to "reset": fork a fresh process per exercise.

    Where the student has a PID namespace of its own, the exercises are served by its first
    process (its init, pid 1): learner code can then neither see nor signal the worker, and one
    ``kill(-1)`` ends everything an exercise left, atomically, however fast it forks.
    """
    if start_student(reset_w):
        pid = _fork()
        if pid != 0:
            drop_capabilities()
            _exit(NOT_CLEAN_STATUS if refused(_waitpid(pid, 0)[1]) else 0)
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        own_proc()
        drop_capabilities()
    keep = {os.getpid(), os.getppid(), 1}
    while True:
        pid = _fork()
        if pid == 0:
            try:
                os.close(reset_w)  # learner code must not write the worker's notes
                serve_exercise(request)
            finally:
                _exit(0)
        status = wait_for(pid)
        if os.getpid() == 1:
            end_namespace()
        else:
            end_other_processes(keep)  # whatever the exercise left running, detached or not
        restore_shared_files()  # if it cannot, the fresh start before the next student finds out
        normal = os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        # Carries the id of the exercise's "open": the grader tells it from anything stale or forged.
        send({"id": request.get("id"), "ended": True, "normal": normal, "how": describe_status(status)})
        request = receive()
        if request.get("op") == "reset":
            _write(reset_w, f"reset {request.get('id')}\n".encode())
            _exit(0)
        if request.get("op") != "open":
            _exit(1)


def finish_student(pid: int, reset_r: int) -> str | None:
    """After a student's process ended: end what it left; the id of the "reset" it received, if any."""
    if refused(_waitpid(pid, 0)[1]):
        _exit(NOT_CLEAN_STATUS)  # so that the grader says why
    end_other_processes({os.getpid(), os.getppid(), 1})
    notes = b""
    while chunk := _read(reset_r, 4096):
        notes += chunk
    os.close(reset_r)
    lines = notes.decode("utf-8", "replace").splitlines()
    reset_id = next((line.split(" ", 1)[1] for line in lines if line.startswith("reset ")), None)
    global SHARED_REASON
    SHARED_REASON = next((line for line in lines if line.startswith("shared ")), SHARED_REASON)
    return reset_id


SHARED_REASON = "" if SANDBOXED else "shared process isolation"  # why a student's space is not new


def main() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a full output file fails writes, not the process
    _prctl(PR_SET_DUMPABLE, 0)  # learner code (same user) may then neither ptrace nor read this process
    if os.environ.get("GRADER_PRELOAD_MATPLOTLIB"):
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot  # noqa: F401
        except Exception:
            pass
    install_plotting_stand_ins()  # here, once: every exercise's process inherits it (its regex costs 0.5 ms)
    send({"ok": True, "ready": True})
    while True:
        request = receive()
        if request.get("op") == "reset":  # no student since the last one: nothing to end
            send_control({"id": request.get("id"), "ok": True, "fresh": not SHARED_REASON, "leftovers": leftovers()})
            continue
        if request.get("op") != "open":
            return
        reset_r, reset_w = os.pipe()
        pid = _fork()
        if pid == 0:
            os.close(reset_r)
            os.close(CONTROL_FD)  # a student's code must never answer for the worker
            try:
                serve_student(request, reset_w)
            finally:
                _exit(1)
        os.close(reset_w)
        reset_id = finish_student(pid, reset_r)
        if reset_id is None:  # the student's process died or the grader hung up: so does the worker
            _exit(1)
        found = [] if SHARED_REASON else leftovers()
        why = SHARED_REASON or restore_shared_files()
        send_control({"id": reset_id, "ok": True, "fresh": not why, "why": why, "leftovers": found})


if __name__ == "__main__":
    main()
