// Extra Rspack settings that jupyter-builder merges into its own (package.json, "rspackConfig").
// Named module ids ("webpack/sharing/consume/default/@jupyterlab/console/...") instead of hashed ones,
// which change with the folder the extension is built in: so `make labextension` gives the same files
// in every checkout, and a rebuild of unchanged source changes nothing in git.
module.exports = {
  optimization: {
    moduleIds: 'named'
  }
};
