package apigw

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
)

// Load reads the REST API of a synthesized template, or says what in it
// cannot be emulated.
func Load(data []byte) (*API, error) {
	var t Template
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	l := &loader{t: &t, api: &API{
		GatewayResponses: map[string]GatewayResponse{},
		Functions:        map[string]*Function{},
		UserPools:        map[string]*UserPool{},
	}, resources: map[string]*Resource{}, authorizers: map[string]*Authorizer{}}
	if err := l.load(); err != nil {
		return nil, err
	}
	return l.api, nil
}

type loader struct {
	t           *Template
	api         *API
	restAPI     string
	resources   map[string]*Resource
	authorizers map[string]*Authorizer
}

func (l *loader) ids(typ string) []string {
	var ids []string
	for id, r := range l.t.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func (l *loader) load() error {
	ids := slices.Sorted(maps.Keys(l.t.Resources))
	for _, id := range ids {
		r := l.t.Resources[id]
		if reason, ok := ignoredTypes[r.Type]; ok {
			if strings.HasPrefix(r.Type, "AWS::WAFv2::") {
				l.api.NotEmulated = append(l.api.NotEmulated, fmt.Sprintf("%s (%s): %s", id, r.Type, reason))
			}
			continue
		}
		known, ok := knownProperties[r.Type]
		if !ok {
			return unsupported(id, "Type", "resource type %s is not emulated", r.Type)
		}
		if known == nil {
			continue
		}
		for _, p := range slices.Sorted(maps.Keys(r.Properties)) {
			if !slices.Contains(known, p) {
				return unsupported(id, p, "property of %s not emulated", r.Type)
			}
		}
	}
	apis := l.ids("AWS::ApiGateway::RestApi")
	if len(apis) != 1 {
		return fmt.Errorf("template: want one AWS::ApiGateway::RestApi, have %d", len(apis))
	}
	l.restAPI = apis[0]
	if err := l.loadRestAPI(); err != nil {
		return err
	}
	for _, steps := range []func() error{l.loadStage, l.loadResources, l.loadAuthorizers, l.loadMethods, l.loadGatewayResponses, l.loadValidators} {
		if err := steps(); err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) prop(id, name string, v any) error {
	raw, ok := l.t.Resources[id].Properties[name]
	if !ok {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return unsupported(id, name, "%v", err)
	}
	return nil
}

func (l *loader) loadRestAPI() error {
	id := l.restAPI
	if err := l.prop(id, "Name", &l.api.Name); err != nil {
		return err
	}
	if err := l.prop(id, "BinaryMediaTypes", &l.api.BinaryMediaTypes); err != nil {
		return err
	}
	var disable bool
	if err := l.prop(id, "DisableExecuteApiEndpoint", &disable); err != nil {
		return err
	}
	if disable {
		return unsupported(id, "DisableExecuteApiEndpoint", "the API is only reachable through a custom domain, which is not emulated")
	}
	l.api.Root = &Resource{ID: id, Path: "/", Methods: map[string]*Method{}}
	l.resources[id] = l.api.Root
	return nil
}

func (l *loader) loadStage() error {
	stages := l.ids("AWS::ApiGateway::Stage")
	if len(stages) != 1 {
		return fmt.Errorf("template: want one AWS::ApiGateway::Stage, have %d", len(stages))
	}
	id := stages[0]
	if err := l.prop(id, "StageName", &l.api.Stage); err != nil {
		return err
	}
	if l.api.Stage == "" {
		return unsupported(id, "StageName", "want a literal stage name")
	}
	if err := l.prop(id, "Variables", &l.api.StageVariables); err != nil {
		return err
	}
	var settings []map[string]json.RawMessage
	if err := l.prop(id, "MethodSettings", &settings); err != nil {
		return err
	}
	for i, s := range settings {
		var th Throttle
		var rate, burst *float64
		for _, k := range slices.Sorted(maps.Keys(s)) {
			v := s[k]
			prop := fmt.Sprintf("MethodSettings[%d].%s", i, k)
			var err error
			switch k {
			case "ResourcePath":
				err = json.Unmarshal(v, &th.ResourcePath)
			case "HttpMethod":
				err = json.Unmarshal(v, &th.HTTPMethod)
			case "ThrottlingRateLimit":
				err = json.Unmarshal(v, &rate)
			case "ThrottlingBurstLimit":
				err = json.Unmarshal(v, &burst)
			case "LoggingLevel", "MetricsEnabled", "DataTraceEnabled":
				// CloudWatch execution logs and metrics: nothing to do locally.
			case "CachingEnabled", "CacheDataEncrypted":
				var on bool
				err = json.Unmarshal(v, &on)
				if err == nil && on && k == "CachingEnabled" {
					return unsupported(id, prop, "the stage cache is not emulated")
				}
			default:
				return unsupported(id, prop, "method setting not emulated")
			}
			if err != nil {
				return unsupported(id, prop, "%v", err)
			}
		}
		if rate == nil && burst == nil {
			continue
		}
		if rate != nil {
			th.Rate = *rate
		} else {
			th.Rate = -1 // unlimited
		}
		if burst != nil {
			th.Burst = int(*burst)
		} else {
			th.Burst = -1
		}
		// "/~1api~1hello" is "/api/hello": a JSON pointer whose one token is
		// the resource path.
		if th.ResourcePath != "/*" {
			tok, ok := strings.CutPrefix(th.ResourcePath, "/")
			if !ok || strings.Contains(tok, "/") {
				return unsupported(id, fmt.Sprintf("MethodSettings[%d].ResourcePath", i), "want /* or /<escaped resource path>, have %q", th.ResourcePath)
			}
			th.ResourcePath = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		}
		l.api.Throttles = append(l.api.Throttles, th)
	}
	// Most specific first: a method's own setting overrides the stage's "/*".
	sort.SliceStable(l.api.Throttles, func(i, j int) bool {
		return l.api.Throttles[i].ResourcePath != "/*" && l.api.Throttles[j].ResourcePath == "/*"
	})
	return nil
}

// refID returns the logical id of {"Ref": id} or {"Fn::GetAtt": [id, attr]}.
func refID(raw json.RawMessage) (id, attr string, ok bool) {
	var v struct {
		Ref    string   `json:"Ref"`
		GetAtt []string `json:"Fn::GetAtt"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return "", "", false
	}
	if v.Ref != "" {
		return v.Ref, "", true
	}
	if len(v.GetAtt) == 2 {
		return v.GetAtt[0], v.GetAtt[1], true
	}
	return "", "", false
}

func (l *loader) loadResources() error {
	ids := l.ids("AWS::ApiGateway::Resource")
	// Parents before children: resolve until no progress.
	pending := ids
	for len(pending) > 0 {
		var next []string
		for _, id := range pending {
			parentID, attr, ok := refID(l.t.Resources[id].Properties["ParentId"])
			if !ok {
				return unsupported(id, "ParentId", "want a Ref or Fn::GetAtt")
			}
			if attr != "" && (parentID != l.restAPI || attr != "RootResourceId") {
				return unsupported(id, "ParentId", "unknown parent %s.%s", parentID, attr)
			}
			parent, ok := l.resources[parentID]
			if !ok {
				if _, exists := l.t.Resources[parentID]; !exists {
					return unsupported(id, "ParentId", "no resource %s", parentID)
				}
				next = append(next, id)
				continue
			}
			var part string
			if err := l.prop(id, "PathPart", &part); err != nil {
				return err
			}
			if part == "" || strings.Contains(part, "/") {
				return unsupported(id, "PathPart", "bad path part %q", part)
			}
			if strings.HasPrefix(part, "{") && !strings.HasSuffix(part, "}") {
				return unsupported(id, "PathPart", "bad path parameter %q", part)
			}
			path := strings.TrimSuffix(parent.Path, "/") + "/" + part
			r := &Resource{ID: id, PathPart: part, Path: path, Methods: map[string]*Method{}}
			parent.Children = append(parent.Children, r)
			l.resources[id] = r
		}
		if len(next) == len(pending) {
			return unsupported(next[0], "ParentId", "parent cycle")
		}
		pending = next
	}
	return nil
}

func (l *loader) loadAuthorizers() error {
	for _, id := range l.ids("AWS::ApiGateway::Authorizer") {
		a := &Authorizer{ID: id}
		var typ, source string
		if err := l.prop(id, "Type", &typ); err != nil {
			return err
		}
		if typ != "COGNITO_USER_POOLS" {
			return unsupported(id, "Type", "authorizer type %s is not emulated (only COGNITO_USER_POOLS)", typ)
		}
		if err := l.prop(id, "Name", &a.Name); err != nil {
			return err
		}
		if err := l.prop(id, "IdentitySource", &source); err != nil {
			return err
		}
		h, ok := strings.CutPrefix(source, "method.request.header.")
		if !ok || h == "" {
			return unsupported(id, "IdentitySource", "want method.request.header.<name>, have %q", source)
		}
		a.IdentityHeader = h
		var arns []json.RawMessage
		if err := l.prop(id, "ProviderARNs", &arns); err != nil {
			return err
		}
		if len(arns) != 1 {
			return unsupported(id, "ProviderARNs", "want one user pool of this template, have %d", len(arns))
		}
		poolID, _, ok := refID(arns[0])
		if !ok || l.t.Resources[poolID].Type != "AWS::Cognito::UserPool" {
			return unsupported(id, "ProviderARNs", "want a user pool of this template (Fn::GetAtt Arn), have %s", arns[0])
		}
		a.UserPool = l.userPool(poolID)
		l.authorizers[id] = a
	}
	return nil
}

func (l *loader) userPool(id string) *UserPool {
	if p, ok := l.api.UserPools[id]; ok {
		return p
	}
	p := &UserPool{ID: id, Properties: l.t.Resources[id].Properties}
	for _, cid := range l.ids("AWS::Cognito::UserPoolClient") {
		if pid, _, ok := refID(l.t.Resources[cid].Properties["UserPoolId"]); ok && pid == id {
			p.Clients = append(p.Clients, &UserPoolClient{ID: cid, Properties: l.t.Resources[cid].Properties})
		}
	}
	l.api.UserPools[id] = p
	return p
}
