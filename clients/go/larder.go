// Package larder is a thin Go client of Larder's FeatureServer and RegistryServer over the
// generated gRPC stubs (larder/clients/go/larder/...). Values are Feast-compatible protos.
package larder

import (
	"context"

	"google.golang.org/grpc"

	healthv1 "larder/clients/go/grpc/health/v1"
	materializationv1 "larder/clients/go/larder/materialization/v1"
	pushv1 "larder/clients/go/larder/push/v1"
	registryv1 "larder/clients/go/larder/registry/v1"
	servingv1 "larder/clients/go/larder/serving/v1"
	typesv1 "larder/clients/go/larder/types/v1"
)

// FeatureServer holds the service clients of one FeatureServer connection.
type FeatureServer struct {
	Conn            *grpc.ClientConn
	Serving         servingv1.ServingServiceClient
	Push            pushv1.PushServiceClient
	Materialization materializationv1.MaterializationServiceClient
	Health          healthv1.HealthClient
}

// DialFeatureServer connects to a FeatureServer at target ("host:port"); pass
// grpc.WithTransportCredentials(...) (insecure.NewCredentials() for plaintext) in opts.
func DialFeatureServer(ctx context.Context, target string, opts ...grpc.DialOption) (*FeatureServer, error) {
	conn, err := grpc.DialContext(ctx, target, opts...)
	if err != nil {
		return nil, err
	}
	return &FeatureServer{
		Conn:            conn,
		Serving:         servingv1.NewServingServiceClient(conn),
		Push:            pushv1.NewPushServiceClient(conn),
		Materialization: materializationv1.NewMaterializationServiceClient(conn),
		Health:          healthv1.NewHealthClient(conn),
	}, nil
}

// DialRegistry connects to a RegistryServer at target.
func DialRegistry(ctx context.Context, target string, opts ...grpc.DialOption) (registryv1.RegistryServiceClient, *grpc.ClientConn, error) {
	conn, err := grpc.DialContext(ctx, target, opts...)
	if err != nil {
		return nil, nil, err
	}
	return registryv1.NewRegistryServiceClient(conn), conn, nil
}

// Int64s is a column of INT64 entity values, for GetOnlineFeaturesRequest.Entities.
func Int64s(values ...int64) *typesv1.RepeatedValue {
	out := &typesv1.RepeatedValue{Val: make([]*typesv1.Value, len(values))}
	for i, v := range values {
		out.Val[i] = &typesv1.Value{Val: &typesv1.Value_Int64Val{Int64Val: v}}
	}
	return out
}

// Strings is a column of STRING entity values.
func Strings(values ...string) *typesv1.RepeatedValue {
	out := &typesv1.RepeatedValue{Val: make([]*typesv1.Value, len(values))}
	for i, v := range values {
		out.Val[i] = &typesv1.Value{Val: &typesv1.Value_StringVal{StringVal: v}}
	}
	return out
}

// OnlineFeatures reads features (refs "view:feature") for entity columns.
func (f *FeatureServer) OnlineFeatures(ctx context.Context, features []string, entities map[string]*typesv1.RepeatedValue) (*servingv1.GetOnlineFeaturesResponse, error) {
	return f.Serving.GetOnlineFeatures(ctx, &servingv1.GetOnlineFeaturesRequest{
		Kind:     &servingv1.GetOnlineFeaturesRequest_Features{Features: &servingv1.FeatureList{Val: features}},
		Entities: entities,
	})
}

// Close closes the connection.
func (f *FeatureServer) Close() error { return f.Conn.Close() }
