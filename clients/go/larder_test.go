package larder

import (
	"testing"

	"google.golang.org/protobuf/proto"

	servingv1 "larder/clients/go/larder/serving/v1"
	typesv1 "larder/clients/go/larder/types/v1"
)

// The generated messages round-trip through the wire format (a compile-and-link check of the stubs).
func TestGetOnlineFeaturesRequestRoundTrip(t *testing.T) {
	request := &servingv1.GetOnlineFeaturesRequest{
		Kind:     &servingv1.GetOnlineFeaturesRequest_Features{Features: &servingv1.FeatureList{Val: []string{"driver_hourly_stats:conv_rate"}}},
		Entities: map[string]*typesv1.RepeatedValue{"driver_id": Int64s(1001, 1002)},
	}
	bytes, err := proto.Marshal(request)
	if err != nil {
		t.Fatal(err)
	}
	decoded := &servingv1.GetOnlineFeaturesRequest{}
	if err := proto.Unmarshal(bytes, decoded); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(request, decoded) {
		t.Fatalf("round trip changed the request: %v", decoded)
	}
	if got := decoded.GetEntities()["driver_id"].GetVal()[1].GetInt64Val(); got != 1002 {
		t.Fatalf("driver_id[1] = %d, want 1002", got)
	}
}
