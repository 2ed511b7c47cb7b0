// Package emftest checks log lines against the CloudWatch Embedded Metric
// Format specification, for tests of code that emits them.
package emftest

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Validate checks one line against the EMF specification's rules for the
// structured log event, and returns the metric values it declares by name.
func Validate(line []byte) (map[string]float64, error) {
	var root map[string]json.RawMessage
	if err := json.Unmarshal(line, &root); err != nil {
		return nil, fmt.Errorf("not a JSON object: %v", err)
	}
	rawAWS, ok := root["_aws"]
	if !ok {
		return nil, fmt.Errorf("no _aws member")
	}
	var aws struct {
		Timestamp         *json.Number `json:"Timestamp"`
		CloudWatchMetrics []struct {
			Namespace  *string    `json:"Namespace"`
			Dimensions [][]string `json:"Dimensions"`
			Metrics    []struct {
				Name string `json:"Name"`
				Unit string `json:"Unit"`
			} `json:"Metrics"`
		} `json:"CloudWatchMetrics"`
	}
	dec := json.NewDecoder(bytes.NewReader(rawAWS))
	dec.UseNumber()
	if err := dec.Decode(&aws); err != nil {
		return nil, fmt.Errorf("_aws: %v", err)
	}
	if aws.Timestamp == nil {
		return nil, fmt.Errorf("_aws.Timestamp missing")
	}
	if _, err := aws.Timestamp.Int64(); err != nil {
		return nil, fmt.Errorf("_aws.Timestamp %q is not whole milliseconds", *aws.Timestamp)
	}
	if len(aws.CloudWatchMetrics) == 0 {
		return nil, fmt.Errorf("_aws.CloudWatchMetrics empty")
	}
	values := map[string]float64{}
	for _, d := range aws.CloudWatchMetrics {
		if d.Namespace == nil || *d.Namespace == "" || len(*d.Namespace) > 255 {
			return nil, fmt.Errorf("namespace missing or not 1-255 characters")
		}
		if d.Dimensions == nil {
			return nil, fmt.Errorf("dimensions missing")
		}
		for _, set := range d.Dimensions {
			if len(set) > 30 {
				return nil, fmt.Errorf("dimension set of %d, at most 30", len(set))
			}
			for _, name := range set {
				var v string
				if err := json.Unmarshal(root[name], &v); err != nil {
					return nil, fmt.Errorf("dimension %q has no string member: %v", name, err)
				}
				if v == "" || len(v) > 1024 {
					return nil, fmt.Errorf("dimension %q value %q not 1-1024 characters", name, v)
				}
			}
		}
		if len(d.Metrics) == 0 || len(d.Metrics) > 100 {
			return nil, fmt.Errorf("%d metrics, want 1-100", len(d.Metrics))
		}
		for _, m := range d.Metrics {
			if m.Name == "" || len(m.Name) > 1024 {
				return nil, fmt.Errorf("metric name %q not 1-1024 characters", m.Name)
			}
			var v float64
			if err := json.Unmarshal(root[m.Name], &v); err != nil {
				return nil, fmt.Errorf("metric %q has no numeric member: %v", m.Name, err)
			}
			values[m.Name] = v
		}
	}
	return values, nil
}
