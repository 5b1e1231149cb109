"""Flask extensions, created unbound; the application factory binds them."""

import json
from datetime import datetime
from typing import Any

import flask_smorest
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_smorest.error_handler import ErrorSchema
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from marshmallow import INCLUDE, fields
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, registry
from webargs.flaskparser import FlaskParser

from app.common import UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime},
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
compress = Compress()


class BodyParser(FlaskParser):
    """webargs' parser for the API's arguments: a JSON body nested too deep for Python to
    read, or with a number longer than it reads (4,300 digits), is refused as malformed JSON
    is (400), not raised as an error of the server."""

    def _raw_load_json(self, req: Any) -> Any:
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise
        except (RecursionError, ValueError) as exc:
            raise json.JSONDecodeError(type(exc).__name__, "-", 0) from exc


class ErrorOut(ErrorSchema):
    """Every error answer (documentation only): the code, message and field errors, and what
    some refusals add: a stale version's or a taken client_id's record on file (`current`), a
    refused visit's `client_id` and `rejected_id`, `retry` when sending again later may pass.
    Other keys may come: a client keeps what it does not know."""

    class Meta:
        unknown = INCLUDE

    current = fields.Dict(metadata={"description": "the record on file (409)"})
    client_id = fields.String(metadata={"description": "the refused submission's client_id"})
    rejected_id = fields.Integer(metadata={"description": "where the refused body is kept"})
    retry = fields.Boolean(metadata={"description": "send it again later, unchanged"})


class GocuaApi(Api):
    """The API, its error answers documented by `ErrorOut`."""

    ERROR_SCHEMA = ErrorOut


api = GocuaApi()


class Blueprint(flask_smorest.Blueprint):
    """The API's blueprints: flask-smorest's, reading their arguments with `BodyParser`."""

    ARGUMENTS_PARSER = BodyParser()
