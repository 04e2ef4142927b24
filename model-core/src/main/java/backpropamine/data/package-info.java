/**
 * Penn Treebank: the files and their sha256 checks, download, the vocabulary and token ids, and truncated-BPTT
 * batching. The bottom layer: it imports nothing else of the project.
 */
package backpropamine.data;
