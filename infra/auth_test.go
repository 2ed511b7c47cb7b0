package main

import (
	"slices"
	"testing"
)

func TestAuthorization(t *testing.T) {
	// GIVEN the stack
	s := prod(t)
	// WHEN a client calls GET /hello
	// THEN the Cognito user-pool authorizer of this stack's pool checks its token
	hasResourceProperties(t, s, "AWS::ApiGateway::Method", map[string]any{
		"HttpMethod": "GET", "AuthorizationType": "COGNITO_USER_POOLS",
	})
	hello := s.method(t, "/hello", "GET")
	assertEqual(t, "/hello GET AuthorizationType", hello["AuthorizationType"], "COGNITO_USER_POOLS")
	authID := refID(hello["AuthorizerId"])
	auth, ok := s.resources("AWS::ApiGateway::Authorizer")[authID]
	if !ok {
		t.Fatalf("/hello GET AuthorizerId = %v, want an authorizer of the stack", hello["AuthorizerId"])
	}
	assertEqual(t, "authorizer Type", props(auth)["Type"], "COGNITO_USER_POOLS")
	poolID, _ := s.one(t, "AWS::Cognito::UserPool", map[string]any{})
	assertEqual(t, "authorizer ProviderARNs", props(auth)["ProviderARNs"], []any{map[string]any{"Fn::GetAtt": []any{poolID, "Arn"}}})

	// WHEN a client calls /api
	// THEN no authorizer runs (the endpoints are public; the app checks tokens where a route needs them)
	for _, path := range []string{"/api", "/api/{proxy+}", "/api/hello"} {
		m := s.method(t, path, "ANY")
		assertEqual(t, path+" ANY AuthorizationType", m["AuthorizationType"], "NONE")
	}
	assertEqual(t, "/api/hello/stream GET AuthorizationType", s.method(t, "/api/hello/stream", "GET")["AuthorizationType"], "NONE")
}

func TestCognito(t *testing.T) {
	s := prod(t)
	_, pool := s.one(t, "AWS::Cognito::UserPool", map[string]any{})
	p := props(pool)
	assertEqual(t, "AdminCreateUserConfig.AllowAdminCreateUserOnly", p["AdminCreateUserConfig"].(map[string]any)["AllowAdminCreateUserOnly"], true)
	assertEqual(t, "UsernameAttributes", p["UsernameAttributes"], []any{"email"})
	assertEqual(t, "MfaConfiguration", p["MfaConfiguration"], "OPTIONAL")
	assertEqual(t, "PasswordPolicy", p["Policies"].(map[string]any)["PasswordPolicy"], map[string]any{
		"MinimumLength": float64(12), "RequireLowercase": true, "RequireUppercase": true,
		"RequireNumbers": true, "RequireSymbols": true, "TemporaryPasswordValidityDays": float64(3),
	})
	assertEqual(t, "prod UserPool DeletionPolicy", pool["DeletionPolicy"], "RetainExceptOnCreate")

	_, client := s.one(t, "AWS::Cognito::UserPoolClient", map[string]any{})
	c := props(client)
	if secret, _ := c["GenerateSecret"].(bool); secret {
		t.Error("app client GenerateSecret = true, want a public client")
	}
	flows := c["ExplicitAuthFlows"].([]any)
	for _, f := range []string{"ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"} {
		if !slices.Contains(flows, any(f)) {
			t.Errorf("ExplicitAuthFlows = %v, want %s", flows, f)
		}
	}
	if c["AllowedOAuthFlows"] != nil || c["CallbackURLs"] != nil {
		t.Errorf("app client has OAuth flows %v / callbacks %v, want none (no hosted UI)", c["AllowedOAuthFlows"], c["CallbackURLs"])
	}
}

// Both API functions (buffered and streaming) verify tokens of the stack's
// user pool and app client: the same ones /hello's authorizer accepts.
func TestAPIFunctionsEnvNameTheUserPool(t *testing.T) {
	s := prod(t)
	pool, client := s.ref(t, "AWS::Cognito::UserPool"), s.ref(t, "AWS::Cognito::UserPoolClient")
	n := 0
	for id, r := range s.resources("AWS::Lambda::Function") {
		p := props(r)
		if p["PackageType"] != "Image" {
			continue
		}
		n++
		env, _ := p["Environment"].(map[string]any)["Variables"].(map[string]any)
		assertEqual(t, id+" COGNITO_USER_POOL_ID", env["COGNITO_USER_POOL_ID"], pool)
		assertEqual(t, id+" COGNITO_CLIENT_ID", env["COGNITO_CLIENT_ID"], client)
	}
	if n != 2 {
		t.Errorf("API functions (PackageType Image) = %d, want 2 (buffered and streaming)", n)
	}
}
