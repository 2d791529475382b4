// nx release's version actions for this workspace's npm packages (package.json manifests).
// Nx's own npm implementation ships in the @nx/js plugin, which is not published for Nx 24;
// this is the extension point nx release documents (release.version.versionActions).
const { VersionActions } = require("nx/release");
const { join } = require("node:path");

const DEPENDENCY_COLLECTIONS = ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"];

function readManifest(tree, root) {
  const path = join(root, "package.json");
  const text = tree.read(path, "utf-8");
  if (!text) throw new Error(`nx release: no ${path}`);
  return { path, manifest: JSON.parse(text) };
}

function writeManifest(tree, path, manifest) {
  tree.write(path, `${JSON.stringify(manifest, null, 2)}\n`);
}

class NpmVersionActions extends VersionActions {
  validManifestFilenames = ["package.json"];

  async readCurrentVersionFromSourceManifest(tree) {
    const { path, manifest } = readManifest(tree, this.projectGraphNode.data.root);
    return { currentVersion: manifest.version, manifestPath: path };
  }

  async readCurrentVersionFromRegistry() {
    throw new Error("nx release: the packages' versions are read from disk (release.version.currentVersionResolver: disk)");
  }

  async readCurrentVersionOfDependency(tree, projectGraph, dependencyProjectName) {
    const { manifest } = readManifest(tree, this.projectGraphNode.data.root);
    const name = projectGraph.nodes[dependencyProjectName]?.data.metadata?.js?.packageName ?? dependencyProjectName;
    for (const collection of DEPENDENCY_COLLECTIONS) {
      const spec = manifest[collection]?.[name];
      if (spec) return { currentVersion: spec, dependencyCollection: collection };
    }
    return { currentVersion: null, dependencyCollection: null };
  }

  async updateProjectVersion(tree, newVersion) {
    const { path, manifest } = readManifest(tree, this.projectGraphNode.data.root);
    manifest.version = newVersion;
    writeManifest(tree, path, manifest);
    return [`New version ${newVersion} written to manifest: ${path}`];
  }

  async updateProjectDependencies(tree, projectGraph, dependenciesToUpdate) {
    const { path, manifest } = readManifest(tree, this.projectGraphNode.data.root);
    const logs = [];
    for (const [project, version] of Object.entries(dependenciesToUpdate)) {
      const name = projectGraph.nodes[project]?.data.metadata?.js?.packageName ?? project;
      for (const collection of DEPENDENCY_COLLECTIONS) {
        if (manifest[collection]?.[name] === undefined) continue;
        manifest[collection][name] = version;
        logs.push(`${name} ${version} written to ${collection} of ${path}`);
      }
    }
    writeManifest(tree, path, manifest);
    return logs;
  }
}

module.exports = NpmVersionActions;
module.exports.default = NpmVersionActions;
