"""Larder's Python SDK: a thin gRPC client of the FeatureServer and RegistryServer."""

from larder_sdk.client import FeatureStoreClient, LarderError

__all__ = ["FeatureStoreClient", "LarderError"]
