package backpropamine.cuda;

import com.sun.jna.Memory;
import com.sun.jna.Native;

/**
 * A kernel's arguments as {@code cuLaunchKernel} takes them: an array of pointers, one per argument, each to the
 * argument's value. Long is a 64-bit value (a device address or a C {@code long}), Integer a C {@code int}, Float
 * a C {@code float}. The emulation's launcher takes the same array.
 */
final class KernelArguments {
    private KernelArguments() {
    }

    /** The pointer array and the values it points to, in one block: [pointers][8-byte value slots]. */
    static Memory pack(Object... args) {
        int ptr = Native.POINTER_SIZE;
        Memory block = new Memory((long) args.length * (ptr + 8) + 1);
        long values = (long) args.length * ptr;
        for (int k = 0; k < args.length; k++) {
            long slot = values + 8L * k;
            Object a = args[k];
            if (a instanceof Long l) {
                block.setLong(slot, l);
            } else if (a instanceof Integer i) {
                block.setInt(slot, i);
            } else if (a instanceof Float f) {
                block.setFloat(slot, f);
            } else {
                throw new IllegalArgumentException("kernel argument " + k + " is a " + (a == null ? "null" : a.getClass().getSimpleName())
                        + ": pass Long (address), Integer or Float");
            }
            block.setPointer((long) k * ptr, block.share(slot));
        }
        return block;
    }
}
