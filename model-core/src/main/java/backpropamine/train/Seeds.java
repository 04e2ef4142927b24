package backpropamine.train;

/**
 * Seeds of a trial's random streams (segment lengths, dropout masks), derived from the trial's seed, the stream's
 * name and the epoch, so that each epoch's draws are fixed in advance and a resumed trial repeats them.
 */
final class Seeds {
    private Seeds() {
    }

    static long of(long seed, String stream, int epoch) {
        long h = seed * 0x9E3779B97F4A7C15L + stream.hashCode();
        h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L + epoch;
        return h ^ (h >>> 29);
    }
}
