package backpropamine.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Word to id mapping built from the training split, in order of first appearance (as in Zaremba et al.). */
public final class Vocabulary implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String EOS = "<eos>";

    private final Map<String, Integer> ids = new HashMap<>();
    private final List<String> words = new ArrayList<>();

    /** Id of a word, adding it if new. */
    int add(String word) {
        Integer id = ids.get(word);
        if (id != null) {
            return id;
        }
        ids.put(word, words.size());
        words.add(word);
        return words.size() - 1;
    }

    /** Id of a known word, or -1. */
    public int id(String word) {
        return ids.getOrDefault(word, -1);
    }

    public String word(int id) {
        return words.get(id);
    }

    public int size() {
        return words.size();
    }

    public List<String> words() {
        return Collections.unmodifiableList(words);
    }
}
