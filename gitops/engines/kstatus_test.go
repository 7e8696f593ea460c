package engines

import (
	"path/filepath"
	"testing"

	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

// kstatus is what Flux's health checks and Helm 4's --wait=watcher compute for a custom resource.
func TestKStatusOfLiveModelDeployments(t *testing.T) {
	for _, s := range liveStates(t) {
		t.Run(s.Name, func(t *testing.T) {
			res, err := status.Compute(readObject(t, filepath.Join(liveDir, s.InputPath)))
			if err != nil {
				t.Fatalf("kstatus could not compute a status: %v", err)
			}
			got := verdict{Status: res.Status.String(), Message: res.Message}
			if got != s.KStatus {
				t.Errorf("kstatus says %+v, expected %+v", got, s.KStatus)
			}
		})
	}
}
