"""The Python SDK against a live FeatureServer and RegistryServer.

Run by clients/ts/test/e2e/python-sdk.test.ts, which starts `larder serve` and `larder serve-registry`
on the materialized example repo and sets LARDER_TARGET, LARDER_REGISTRY_TARGET and LARDER_PROJECT.
By hand: `cd clients/python && LARDER_TARGET=... python3 -m unittest -v`.
"""

import datetime as dt
import os
import unittest

from larder_sdk import FeatureStoreClient, LarderError

TARGET = os.environ.get("LARDER_TARGET")


@unittest.skipIf(TARGET is None, "LARDER_TARGET is not set: no live FeatureServer to test against")
class FeatureStoreClientTest(unittest.TestCase):
    def setUp(self):
        self.client = FeatureStoreClient(
            target=TARGET,
            registry_target=os.environ["LARDER_REGISTRY_TARGET"],
            project=os.environ["LARDER_PROJECT"],
        )

    def tearDown(self):
        self.client.close()

    def test_health_is_serving(self):
        self.assertEqual(self.client.health(), "SERVING")

    def test_get_online_features_returns_columns(self):
        columns = self.client.get_online_features(
            entities={"driver_id": [1001, 1002, 9999]},
            features=["driver_hourly_stats:conv_rate", "driver_hourly_stats:avg_daily_trips"],
        )
        self.assertEqual(list(columns), ["driver_id", "conv_rate", "avg_daily_trips"])
        self.assertEqual(columns["driver_id"], [1001, 1002, 9999])
        self.assertIsInstance(columns["conv_rate"][0], float)
        self.assertIsInstance(columns["avg_daily_trips"][1], int)
        self.assertIsNone(columns["conv_rate"][2])

    def test_statuses(self):
        columns = self.client.get_online_features(
            entities={"driver_id": [1001, 9999]},
            features=["driver_hourly_stats:conv_rate"],
            with_status=True,
        )
        self.assertEqual(columns["conv_rate"]["statuses"], ["PRESENT", "NOT_FOUND"])

    def test_feature_service_with_request_context(self):
        columns = self.client.get_online_features(
            entities={"driver_id": [1001]},
            feature_service="driver_activity_v1",
            request_context={"val_to_add": [1], "val_to_add_2": [2]},
        )
        self.assertAlmostEqual(columns["conv_rate_plus_val1"][0], columns["conv_rate"][0] + 1, places=5)

    def test_push_then_read(self):
        now = dt.datetime.now(dt.timezone.utc)
        written = self.client.push(
            "driver_stats_push_source",
            {
                "driver_id": [3001],
                "event_timestamp": [now],
                "created": [now],
                "conv_rate": [0.5],
                "acc_rate": [0.25],
                "avg_daily_trips": [12],
            },
            column_types={"conv_rate": "FLOAT", "acc_rate": "FLOAT"},
        )
        self.assertEqual(written["rows"], 1)
        self.assertEqual(written["feature_views"], ["driver_hourly_stats_fresh"])
        columns = self.client.get_online_features(
            entities={"driver_id": [3001]},
            features=["driver_hourly_stats_fresh:conv_rate", "driver_hourly_stats_fresh:avg_daily_trips"],
        )
        self.assertEqual(columns, {"driver_id": [3001], "conv_rate": [0.5], "avg_daily_trips": [12]})

    def test_registry_listing(self):
        names = sorted(v.spec.name for v in self.client.list_feature_views())
        self.assertEqual(names, ["driver_hourly_stats", "driver_hourly_stats_fresh"])
        view = self.client.get_feature_view("driver_hourly_stats")
        self.assertEqual([f.name for f in view.spec.features], ["conv_rate", "acc_rate", "avg_daily_trips"])

    def test_errors_carry_the_status_name(self):
        with self.assertRaises(LarderError) as raised:
            self.client.get_online_features(entities={"driver_id": [1]}, features=["no_such_view:x"])
        self.assertEqual(raised.exception.code, "NOT_FOUND")
        with self.assertRaises(LarderError) as raised:
            self.client.get_feature_view("no_such_view")
        self.assertEqual(raised.exception.code, "NOT_FOUND")


if __name__ == "__main__":
    unittest.main()
