"""A template's Python Lambda functions, run in the kernel from their ``CodeUri`` folder and ``Handler``
(``services="local"``), as AWS Lambda's Python runtime runs them.

What the runtime does and this module reproduces (AWS docs, "Building Lambda functions with Python" and
"Defined runtime environment variables"):

* the handler is ``module.function`` (``app.lambda_handler``; a module path may contain ``/`` or ``.``), imported
  once per function and kept warm across invocations (again when its file changes), from the function's folder (``LAMBDA_TASK_ROOT``) at the front of ``sys.path``, so its own
  modules and the packages installed beside it import as in the deployment package. Two functions whose folders
  both have an ``app.py`` (the SAM default) each get their own: a function's modules are kept apart and put back
  in ``sys.modules`` only while it runs;
* the handler is called with ``(event, context)``; its result is serialised as the runtime serialises it
  (``decimal.Decimal`` -- what boto3's DynamoDB resource returns -- as the number it holds), then handed to the
  interpreter like any Python handler's result, so ``lambda:invoke`` responses, size limits and
  ``Runtime.MarshalError`` follow the one code path every handler goes through;
* a failed import is ``Runtime.ImportModuleError``, a missing function ``Runtime.HandlerNotFound``, with Lambda's
  error messages;
* during the call -- and only then: the kernel's environment is restored afterwards -- the function's
  ``Environment`` variables are set, with the runtime's own (``AWS_LAMBDA_FUNCTION_NAME``, ``AWS_REGION``, ...),
  fake credentials and ``AWS_ENDPOINT_URL`` pointing at the embedded local AWS, so the function's boto3 clients
  (made at import time or in the call) reach it. boto3's default session is swapped for a fresh one during the
  call, so a session the function creates (with the fake credentials) never becomes the kernel's.

The process environment is shared by every thread, so local Lambda calls are serialised by a lock.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import sys
import threading
import types
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from sfnkit.errors import TaskFailure

__all__ = ["PythonFunction", "is_python"]

_ENV_LOCK = threading.RLock()
#: Variables of the kernel that would send a function's boto3 calls elsewhere than the local AWS.
_HIDDEN = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
)


def is_python(runtime: str | None) -> bool:
    return bool(runtime) and str(runtime).lower().startswith("python")


def lambda_json(value: Any) -> Any:
    """``value`` as the Lambda Python runtime's JSON encoder writes it and Step Functions reads it back: a Decimal
    becomes the number it holds (``Decimal("5")`` -> 5, ``Decimal("2.50")`` -> 2.5), tuples become lists."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            return float(value)  # NaN/Infinity: the interpreter then fails the task as Lambda's JSON would
        return json.loads(str(value)) if "E" not in str(value).upper() else float(value)
    if isinstance(value, dict):
        return {k: lambda_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [lambda_json(v) for v in value]
    return value


def _error(kind: str, message: str) -> TaskFailure:
    cause = json.dumps(
        {"errorMessage": message, "errorType": kind, "requestId": "", "stackTrace": []},
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return TaskFailure(kind, cause)


class PythonFunction:
    """One Python function of a template; calling it runs the handler (``fn(event, context)``)."""

    def __init__(self, spec: Any, *, endpoint_url: Any, region: str, account: str) -> None:
        self.spec = spec
        self._endpoint_url = endpoint_url  # a str, or a callable giving it (the server starts on first use)
        self.region = region
        self.account = account
        self._module: types.ModuleType | None = None
        self._own_modules: dict[str, types.ModuleType] = {}
        self._handler: Any = None
        self._loaded_at: float | None = None
        self.__name__ = f"local_lambda_{spec.name}"

    def __repr__(self) -> str:
        return f"<local Python Lambda {self.spec.name} ({self.spec.handler}, {self.spec.code_dir})>"

    @property
    def endpoint_url(self) -> str:
        url = self._endpoint_url
        return str(url() if callable(url) else url)

    # -- environment -------------------------------------------------------------------------------------------
    def environment(self) -> dict[str, str]:
        spec = self.spec
        env = {
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime or 'python3'}",
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "_HANDLER": str(spec.handler or ""),
        }
        if spec.code_dir:
            env["LAMBDA_TASK_ROOT"] = str(spec.code_dir)
        if spec.timeout is not None:
            env["AWS_LAMBDA_FUNCTION_TIMEOUT"] = str(spec.timeout)
        env.update({str(k): "" if v is None else str(v) for k, v in (spec.environment or {}).items()})
        return env

    @contextlib.contextmanager
    def _inside(self) -> Iterator[None]:
        """The function's world for the duration of one import or call; everything restored after."""
        with _ENV_LOCK:
            saved_env = dict(os.environ)
            saved_path = list(sys.path)
            boto3: Any = sys.modules.get("boto3")
            saved_session = getattr(boto3, "DEFAULT_SESSION", None) if boto3 is not None else None
            saved_modules = {name: sys.modules.get(name) for name in self._own_modules}
            try:
                for name in _HIDDEN:
                    os.environ.pop(name, None)
                for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL_")]:
                    os.environ.pop(name, None)
                os.environ.update(self.environment())
                if self.spec.code_dir:
                    sys.path.insert(0, str(self.spec.code_dir))
                sys.modules.update(self._own_modules)
                if boto3 is not None:
                    boto3.DEFAULT_SESSION = None
                yield
            finally:
                os.environ.clear()
                os.environ.update(saved_env)
                sys.path[:] = saved_path
                now: Any = sys.modules.get("boto3")  # the function may have imported boto3 for the first time
                if now is not None:
                    now.DEFAULT_SESSION = saved_session
                for name, mod in saved_modules.items():
                    if mod is None:
                        sys.modules.pop(name, None)
                    else:
                        sys.modules[name] = mod

    # -- import ------------------------------------------------------------------------------------------------
    def _module_and_function(self) -> tuple[str, str]:
        handler = str(self.spec.handler or "")
        module, _, function = handler.rpartition(".")
        if not module or not function:
            raise _error(
                "Runtime.MalformedHandlerName",
                f"Bad handler '{handler}': not enough values to unpack (expected 2, got 1)",
            )
        return module.replace("/", "."), function

    def _stamp(self) -> float | None:
        where = getattr(self._module, "__file__", None)
        try:
            return os.path.getmtime(where) if where else None
        except OSError:
            return None

    def _load(self) -> Any:
        if self._handler is not None:
            if self._stamp() == self._loaded_at:
                return self._handler
            # the handler's file was edited in the notebook since it was imported: a fresh "cold start"
            self._handler = self._module = None
            self._own_modules.clear()
        module_name, function = self._module_and_function()
        before = set(sys.modules)
        code_dir = self.spec.code_dir
        try:
            if self.spec.inline_code is not None and not code_dir:
                mod = types.ModuleType(module_name)
                mod.__file__ = f"<inline code of {self.spec.name}>"
                exec(compile(self.spec.inline_code, mod.__file__, "exec"), mod.__dict__)
            else:
                mod = self._import(module_name, code_dir)
        except TaskFailure:
            raise
        except Exception as e:
            name = module_name
            raise _error("Runtime.ImportModuleError", f"Unable to import module '{name}': {e}") from None
        finally:
            # the function's own modules (found in its folder) leave sys.modules; they come back during calls
            for name in set(sys.modules) - before:
                m = sys.modules.get(name)
                where = getattr(m, "__file__", None) or ""
                if code_dir and where and os.path.abspath(where).startswith(os.path.abspath(str(code_dir)) + os.sep):
                    self._own_modules[name] = sys.modules.pop(name)
        fn = getattr(mod, function, None)
        if not callable(fn):
            raise _error("Runtime.HandlerNotFound", f"Handler '{function}' missing on module '{module_name}'")
        self._module = mod
        self._handler = fn
        self._loaded_at = self._stamp()
        return fn

    def _import(self, module_name: str, code_dir: str | None) -> types.ModuleType:
        if not code_dir:
            raise _error(
                "Runtime.ImportModuleError",
                f"Unable to import module '{module_name}': the function has no CodeUri folder",
            )
        rel = module_name.replace(".", os.sep)
        for candidate in (os.path.join(code_dir, rel + ".py"), os.path.join(code_dir, rel, "__init__.py")):
            if os.path.isfile(candidate):
                break
        else:
            raise _error(
                "Runtime.ImportModuleError", f"Unable to import module '{module_name}': No module named '{module_name}'"
            )
        if "." in module_name:  # a module inside packages of the folder: import it by its own dotted name
            return importlib.import_module(module_name)
        spec = importlib.util.spec_from_file_location(module_name, candidate)
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = mod
        spec.loader.exec_module(mod)
        return mod

    def preload(self) -> None:
        """Import the handler now (a failure is left for the call to report)."""
        try:
            with self._inside():
                self._load()
        except Exception:
            pass

    # -- calling -----------------------------------------------------------------------------------------------
    def __call__(self, event: Any, context: Any) -> Any:
        with self._inside():
            fn = self._load()
            if context is not None and hasattr(context, "function_name"):
                context.function_name = self.spec.name
                context.invoked_function_arn = self.spec.arn
                context.log_group_name = f"/aws/lambda/{self.spec.name}"
            result = fn(event, context)
        return lambda_json(result)
