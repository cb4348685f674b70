"""Every form refuses control characters and NUL in its text fields, once, in the shared base class
(orgbuild/web/forms.py): survey, step, account, quality, assignment, upload and reconcile forms alike."""
from __future__ import annotations

import importlib
import pkgutil

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import PasswordField, StringField

import orgbuild
from orgbuild.domain.rules import CONTROL_CHARS_MESSAGE
from orgbuild.web.forms import Form


def _app_forms() -> list[type]:
    """Every FlaskForm subclass the application defines (its modules imported first)."""
    for module in pkgutil.walk_packages(orgbuild.__path__, "orgbuild."):
        importlib.import_module(module.name)
    found, todo = [], [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("orgbuild.") and sub is not Form:
                found.append(sub)
    return found


def test_every_form_of_the_app_derives_from_the_shared_base():
    forms = _app_forms()
    assert len(forms) > 15
    stray = [f"{f.__module__}.{f.__name__}" for f in forms if not issubclass(f, Form)]
    assert not stray, "forms that skip the control-character check: " + ", ".join(stray)


@pytest.mark.parametrize("bad", ["a\x00b", "a\x1fb", "\x07"])
def test_every_text_field_of_every_form_refuses_control_characters(app, bad):
    """Each text field (passwords aside) of each form, given a control character, fails with the message."""
    checked = 0
    for form_class in _app_forms():
        with app.test_request_context(method="POST"):
            probe = form_class(formdata=None)
            names = [f.name for f in probe if isinstance(f, StringField) and not isinstance(f, PasswordField)
                     and f.name != "csrf_token"]
        for name in names:
            with app.test_request_context(method="POST", data=MultiDict({name: bad})):
                form = form_class()
                for field in form:
                    if getattr(field, "choices", ()) is None:  # filled by the view at run time
                        field.choices = []
                assert not form.validate(), f"{form_class.__name__}.{name}"
                assert "含有控制字符" in " ".join(map(str, form[name].errors)), f"{form_class.__name__}.{name}: {form[name].errors}"
                checked += 1
    assert checked > 40
    assert CONTROL_CHARS_MESSAGE.startswith("含有控制字符")


def test_the_upload_form_refuses_a_sheet_name_with_a_nul(client, make_user):
    """The import upload's sheet name is a text field like any other: refused, no job started."""
    import io

    from sqlalchemy import func, select

    from orgbuild.extensions import db
    from orgbuild.models import Job
    from tests.conftest import login

    make_user("boss", "supervisor")
    login(client, "boss")
    response = client.post("/imports/", data={"file": (io.BytesIO("单位名称\r\n".encode()), "s.csv"),
                                              "encoding": "auto", "sheet": "Sheet\x001"},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and "含有控制字符" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Job.id))) == 0
