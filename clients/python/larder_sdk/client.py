"""A thin client over the generated stubs: online reads as columns, push, health, registry listings."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

import grpc

from larder_sdk import gen as _gen  # noqa: F401  (puts the generated modules on sys.path)
import health_pb2  # noqa: E402
import health_pb2_grpc  # noqa: E402
from larder.push.v1 import push_service_pb2, push_service_pb2_grpc  # noqa: E402
from larder.registry.v1 import registry_service_pb2, registry_service_pb2_grpc  # noqa: E402
from larder.serving.v1 import serving_service_pb2, serving_service_pb2_grpc  # noqa: E402
from larder.types.v1 import value_pb2  # noqa: E402

_PUSH_MODES = {
    "online": push_service_pb2.PUSH_MODE_ONLINE,
    "offline": push_service_pb2.PUSH_MODE_OFFLINE,
    "online_and_offline": push_service_pb2.PUSH_MODE_ONLINE_AND_OFFLINE,
}

# Declared column types for plain Python values (a float is sent as DOUBLE otherwise, which the
# server refuses for a FLOAT column).
_TYPED = {
    "INT32": "int32_val",
    "INT64": "int64_val",
    "FLOAT": "float_val",
    "DOUBLE": "double_val",
    "STRING": "string_val",
    "BOOL": "bool_val",
    "BYTES": "bytes_val",
}


class LarderError(Exception):
    """A failed call: ``code`` is the gRPC status name (``NOT_FOUND``, ``INVALID_ARGUMENT``, ...)."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _error(err: grpc.RpcError) -> LarderError:
    code = err.code() if hasattr(err, "code") else grpc.StatusCode.UNKNOWN
    details = err.details() if hasattr(err, "details") else str(err)
    return LarderError(code.name, details or "")


def to_value(value: Any, column_type: Optional[str] = None) -> value_pb2.Value:
    """A Python value as a Value: bool, int (INT64), float (DOUBLE), str, bytes, datetime (epoch seconds), None."""
    if value is None:
        return value_pb2.Value()
    if column_type is not None and column_type in _TYPED:
        return value_pb2.Value(**{_TYPED[column_type]: value})
    if isinstance(value, bool):
        return value_pb2.Value(bool_val=value)
    if isinstance(value, int):
        return value_pb2.Value(int64_val=value)
    if isinstance(value, float):
        return value_pb2.Value(double_val=value)
    if isinstance(value, str):
        return value_pb2.Value(string_val=value)
    if isinstance(value, (bytes, bytearray)):
        return value_pb2.Value(bytes_val=bytes(value))
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=_dt.timezone.utc)
        return value_pb2.Value(unix_timestamp_val=int(value.timestamp()))
    raise TypeError(f"cannot send a {type(value).__name__} as a feature value")


def from_value(value: value_pb2.Value) -> Any:
    """A Value as a Python value; unset or null is None, timestamps are UTC datetimes, lists are lists."""
    kind = value.WhichOneof("val")
    if kind is None or kind == "null_val":
        return None
    raw = getattr(value, kind)
    if kind == "unix_timestamp_val":
        return _dt.datetime.fromtimestamp(raw, tz=_dt.timezone.utc)
    if kind in ("map_val", "struct_val"):
        return {k: from_value(v) for k, v in raw.val.items()}
    if kind in ("list_val", "set_val"):
        return [from_value(v) for v in raw.val]
    if kind in ("map_list_val", "struct_list_val"):
        return [{k: from_value(v) for k, v in m.val.items()} for m in raw.val]
    if kind == "zoned_timestamp_val":
        return _dt.datetime.fromtimestamp(raw.unix_timestamp, tz=_dt.timezone.utc)
    if kind == "scalar_map_val":
        return {getattr(e.key, e.key.WhichOneof("key")): from_value(e.value) for e in raw.val}
    if hasattr(raw, "val"):
        return list(raw.val)
    return raw


def _columns(
    rows: Mapping[str, Sequence[Any]], column_types: Optional[Mapping[str, str]] = None
) -> Dict[str, value_pb2.RepeatedValue]:
    types = column_types or {}
    return {
        name: value_pb2.RepeatedValue(val=[to_value(v, types.get(name)) for v in values])
        for name, values in rows.items()
    }


class FeatureStoreClient:
    """Calls a FeatureServer (``target``) and a RegistryServer (``registry_target``) over gRPC.

    ``token`` adds ``authorization: Bearer <token>``; ``credentials`` (``grpc.ssl_channel_credentials``)
    turns on TLS; ``timeout`` is the deadline of each call in seconds.
    """

    def __init__(
        self,
        target: str = "127.0.0.1:6566",
        registry_target: str = "127.0.0.1:6570",
        project: Optional[str] = None,
        token: Optional[str] = None,
        credentials: Optional[grpc.ChannelCredentials] = None,
        timeout: float = 10.0,
    ):
        def channel(address: str) -> grpc.Channel:
            if credentials is not None:
                return grpc.secure_channel(address, credentials)
            return grpc.insecure_channel(address)

        self._channel = channel(target)
        self._registry_channel = channel(registry_target)
        self._serving = serving_service_pb2_grpc.ServingServiceStub(self._channel)
        self._push = push_service_pb2_grpc.PushServiceStub(self._channel)
        self._health = health_pb2_grpc.HealthStub(self._channel)
        self._registry = registry_service_pb2_grpc.RegistryServiceStub(self._registry_channel)
        self._metadata = [("authorization", f"Bearer {token}")] if token else []
        self._timeout = timeout
        self.project = project

    def _call(self, method: Any, request: Any) -> Any:
        try:
            return method(request, timeout=self._timeout, metadata=self._metadata)
        except grpc.RpcError as err:
            raise _error(err) from None

    def get_online_features(
        self,
        entities: Mapping[str, Sequence[Any]],
        features: Optional[Iterable[str]] = None,
        feature_service: Optional[str] = None,
        full_feature_names: bool = False,
        request_context: Optional[Mapping[str, Sequence[Any]]] = None,
        with_status: bool = False,
    ) -> Dict[str, List[Any]]:
        """Feature values as a dict of columns (join keys first), like Feast's ``to_dict()``.

        With ``with_status`` each column is ``{"values": [...], "statuses": [...]}`` instead.
        """
        if (features is None) == (feature_service is None):
            raise ValueError("give exactly one of features or feature_service")
        request = serving_service_pb2.GetOnlineFeaturesRequest(
            entities=_columns(entities),
            full_feature_names=full_feature_names,
            request_context=_columns(request_context or {}),
        )
        if feature_service is not None:
            request.feature_service = feature_service
        else:
            request.features.val.extend(features or [])
        response = self._call(self._serving.GetOnlineFeatures, request)
        out: Dict[str, Any] = {}
        for name, vector in zip(response.metadata.feature_names.val, response.results):
            values = [from_value(v) for v in vector.values]
            if with_status:
                statuses = [
                    serving_service_pb2.FieldStatus.Name(s).replace("FIELD_STATUS_", "") for s in vector.statuses
                ]
                out[name] = {"values": values, "statuses": statuses}
            else:
                out[name] = values
        return out

    def push(
        self,
        push_source_name: str,
        rows: Mapping[str, Sequence[Any]],
        to: str = "online",
        column_types: Optional[Mapping[str, str]] = None,
    ) -> Dict[str, Any]:
        """Pushes columnar rows to every view of a push source; returns what was written."""
        response = self._call(
            self._push.Push,
            push_service_pb2.PushRequest(
                push_source_name=push_source_name,
                columns=_columns(rows, column_types),
                to=_PUSH_MODES[to],
            ),
        )
        return {
            "rows": response.rows,
            "feature_views": list(response.feature_views),
            "rows_written_online": response.rows_written_online,
            "rows_written_offline": response.rows_written_offline,
        }

    def health(self, service: str = "") -> str:
        """The FeatureServer's health (``SERVING``, ``NOT_SERVING``, ...)."""
        response = self._call(self._health.Check, health_pb2.HealthCheckRequest(service=service))
        return health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)

    def list_feature_views(self, project: Optional[str] = None) -> List[Any]:
        """The project's feature views (``larder.core.v1.FeatureView`` messages) from the RegistryServer."""
        request = registry_service_pb2.ListFeatureViewsRequest(project=project or self.project or "")
        return list(self._call(self._registry.ListFeatureViews, request).feature_views)

    def get_feature_view(self, name: str, project: Optional[str] = None) -> Any:
        request = registry_service_pb2.GetFeatureViewRequest(name=name, project=project or self.project or "")
        return self._call(self._registry.GetFeatureView, request).feature_view

    def close(self) -> None:
        self._channel.close()
        self._registry_channel.close()

    def __enter__(self) -> "FeatureStoreClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
