package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/r2r/r2r/internal/apigw"
)

// cognito is the user pools the authorizers verify tokens of: created in a
// local moto_server, or a real pool given with -user-pool-id.
type cognito struct {
	endpoint string // the local endpoint; "" for a real pool
	region   string
	verifier *apigw.CognitoVerifier
	pools    []createdPool
	cmd      *exec.Cmd
	done     chan struct{}
}

type createdPool struct {
	logicalID, poolID string
	clientIDs         []string
	clientLogicalIDs  []string // the template's, in the order of clientIDs
}

// startCognito starts moto_server on a free loopback port and creates the
// template's user pools and app clients in it, or points the verifier at
// the real pool of -user-pool-id. With no user pool in the API, nothing.
func startCognito(ctx context.Context, o *options, api *apigw.API, stdout, stderr io.Writer) (*cognito, error) {
	c := &cognito{region: o.region, verifier: &apigw.CognitoVerifier{Pools: map[string]apigw.PoolKeys{}}}
	if len(api.UserPools) == 0 {
		return c, nil
	}
	if o.userPoolID != "" {
		region, _, ok := strings.Cut(o.userPoolID, "_")
		if !ok || region == "" {
			return nil, fmt.Errorf("-user-pool-id %q: want <region>_<id>", o.userPoolID)
		}
		c.region = region
		issuer := "https://cognito-idp." + region + ".amazonaws.com/" + o.userPoolID
		if len(api.UserPools) != 1 {
			return nil, fmt.Errorf("-user-pool-id: the template has %d user pools, want one", len(api.UserPools))
		}
		for id := range api.UserPools {
			clients := strings.Split(o.clientIDs, ",")
			c.verifier.Pools[id] = apigw.PoolKeys{Issuer: issuer, JWKSURL: issuer + "/.well-known/jwks.json", ClientIDs: clients}
			cp := createdPool{logicalID: id, poolID: o.userPoolID, clientIDs: clients}
			for _, cl := range api.UserPools[id].Clients {
				cp.clientLogicalIDs = append(cp.clientLogicalIDs, cl.ID)
			}
			// The given app clients stand for the template's, in order.
			cp.clientLogicalIDs = cp.clientLogicalIDs[:min(len(cp.clientLogicalIDs), len(clients))]
			c.pools = append(c.pools, cp)
		}
		return c, nil
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	c.endpoint = "http://127.0.0.1:" + strconv.Itoa(port)
	c.cmd = exec.Command(o.moto, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	c.cmd.Stdout, c.cmd.Stderr = io.Discard, io.Discard
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the local Cognito endpoint (%s): %w", o.moto, err)
	}
	c.done = make(chan struct{})
	go func() { c.cmd.Wait(); close(c.done) }()
	if err := c.waitReady(ctx); err != nil {
		c.stop()
		return nil, err
	}
	for _, id := range sortedPoolIDs(api) {
		pool := api.UserPools[id]
		cp, err := c.createPool(ctx, pool)
		if err != nil {
			c.stop()
			return nil, fmt.Errorf("user pool %s: %w", id, err)
		}
		issuer := "https://cognito-idp." + c.region + ".amazonaws.com/" + cp.poolID
		// moto signs with the real issuer and publishes the keys under its own
		// address; every moto pool shares one key, so the issuer is what tells
		// two pools apart.
		c.verifier.Pools[id] = apigw.PoolKeys{Issuer: issuer, JWKSURL: c.endpoint + "/" + cp.poolID + "/.well-known/jwks.json", ClientIDs: cp.clientIDs}
		c.pools = append(c.pools, cp)
	}
	return c, nil
}

func sortedPoolIDs(api *apigw.API) []string {
	var ids []string
	for id := range api.UserPools {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (c *cognito) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var out map[string]any
		if err := c.call(ctx, "ListUserPools", map[string]any{"MaxResults": 1}, &out); err == nil {
			return nil
		}
		select {
		case <-c.done:
			return fmt.Errorf("the local Cognito endpoint (%s) exited", c.cmd.Path)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("the local Cognito endpoint is not answering on %s", c.endpoint)
}

// call sends one Cognito API call (JSON protocol) to the local endpoint.
func (c *cognito) call(ctx context.Context, op string, in, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint+"/", bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSCognitoIdentityProviderService."+op)
	// moto routes a request by the service in the credential scope; it
	// checks no signature.
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=local/20260101/"+c.region+"/cognito-idp/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s: %s", op, resp.Status, body)
	}
	return json.Unmarshal(body, out)
}

// poolSettings are the user pool properties whose template (CloudFormation)
// form is also the CreateUserPool form, and which decide how a user signs in.
var poolSettings = []string{"Policies", "UsernameAttributes", "AutoVerifiedAttributes", "AdminCreateUserConfig", "AccountRecoverySetting"}

var clientSettings = []string{"ExplicitAuthFlows", "GenerateSecret", "PreventUserExistenceErrors", "EnableTokenRevocation"}

func (c *cognito) createPool(ctx context.Context, pool *apigw.UserPool) (createdPool, error) {
	in := map[string]any{"PoolName": pool.ID}
	for _, k := range poolSettings {
		if v, ok := pool.Properties[k]; ok {
			in[k] = v
		}
	}
	var out struct {
		UserPool struct{ Id string }
	}
	if err := c.call(ctx, "CreateUserPool", in, &out); err != nil {
		return createdPool{}, err
	}
	cp := createdPool{logicalID: pool.ID, poolID: out.UserPool.Id}
	for _, cl := range pool.Clients {
		in := map[string]any{"UserPoolId": cp.poolID, "ClientName": cl.ID}
		for _, k := range clientSettings {
			if v, ok := cl.Properties[k]; ok {
				in[k] = v
			}
		}
		var co struct {
			UserPoolClient struct{ ClientId string }
		}
		if err := c.call(ctx, "CreateUserPoolClient", in, &co); err != nil {
			return createdPool{}, fmt.Errorf("app client %s: %w", cl.ID, err)
		}
		cp.clientIDs = append(cp.clientIDs, co.UserPoolClient.ClientId)
		cp.clientLogicalIDs = append(cp.clientLogicalIDs, cl.ID)
	}
	return cp, nil
}

// functionEnv resolves the function's variables that name the template's
// user pool or app client to the ids they have here, and, where the function
// is given a pool of the local endpoint, adds COGNITO_JWKS_URL: the app
// verifies that pool's tokens against the local keys.
func (c *cognito) functionEnv(fn *apigw.Function) ([]string, error) {
	var env []string
	jwks := ""
	for _, k := range sortedKeys(fn.EnvRefs) {
		ref := fn.EnvRefs[k]
		id := ""
		for _, p := range c.pools {
			switch {
			case p.logicalID == ref:
				id = p.poolID
				if c.endpoint != "" {
					jwks = c.endpoint + "/" + p.poolID + "/.well-known/jwks.json"
				}
			case len(p.clientIDs) > 0 && slices.Contains(p.clientLogicalIDs, ref):
				id = p.clientIDs[slices.Index(p.clientLogicalIDs, ref)]
			}
		}
		if id == "" {
			return nil, fmt.Errorf("environment variable %s: %s was not created locally", k, ref)
		}
		env = append(env, k+"="+id)
	}
	if _, set := fn.Env["COGNITO_JWKS_URL"]; jwks != "" && !set {
		env = append(env, "COGNITO_JWKS_URL="+jwks)
	}
	return env, nil
}

// printSignIn prints the commands that create a user and call /hello.
func (c *cognito) printSignIn(w io.Writer, base string) {
	if len(c.pools) == 0 {
		return
	}
	p := c.pools[0]
	ep := ""
	if c.endpoint != "" {
		ep = " --endpoint-url " + c.endpoint + " --region " + c.region
		fmt.Fprintf(w, "  local Cognito: %s (user pool %s, app client %s)\n", c.endpoint, p.poolID, strings.Join(p.clientIDs, ","))
	}
	client := ""
	if len(p.clientIDs) > 0 {
		client = p.clientIDs[0]
	}
	fmt.Fprintf(w, `  sign in (any AWS credentials will do for the local endpoint):
    export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
    POOL=%s CLIENT=%s USER=alice@example.com PASSWORD='Passw0rd!Local'
    aws cognito-idp admin-create-user%s --user-pool-id "$POOL" --username "$USER" --user-attributes Name=email,Value="$USER" Name=email_verified,Value=true --message-action SUPPRESS
    aws cognito-idp admin-set-user-password%s --user-pool-id "$POOL" --username "$USER" --password "$PASSWORD" --permanent
    TOKEN=$(aws cognito-idp initiate-auth%s --client-id "$CLIENT" --auth-flow USER_PASSWORD_AUTH --auth-parameters USERNAME="$USER",PASSWORD="$PASSWORD" --query AuthenticationResult.IdToken --output text)
    curl -H "Authorization: $TOKEN" %s/hello
`, p.poolID, client, ep, ep, ep, base)
}

func (c *cognito) stop() {
	if c.cmd == nil || c.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(3 * time.Second):
		_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
		<-c.done
	}
}
