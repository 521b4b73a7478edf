/* Hashed n-gram scoring for the linear model, one text at a time, in C.
 *
 * The same features as salama/detect/features.py (its docstring defines them) and the same
 * buckets, summed in the same order, so the two paths give the same numbers; the tests compare
 * them on random and real texts. NumPy's version pays a fixed cost per array step, which for a
 * comment of a hundred characters is most of the time; here a text costs one pass over its code
 * points and one row read per feature occurrence.
 *
 * Hasher(p, mix, bits, char_salts, w1_salt, w2_salt, bigram_xor) holds the hash constants, given
 * by features.py so that they are written once. Hasher.sums(texts, table, out) sets out[k] to
 * the sum of the table rows of all the feature occurrences of text k.
 *   texts: a list of str (a NUL inside a text reads as a space, as in features.py);
 *   table: a C-contiguous float32 buffer of shape (2**bits, columns);
 *   out:   a writable C-contiguous float32 buffer of shape (len(texts), columns).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define N_SIZES 5 /* character n-grams of 1..5 code points */
#define SEP 0u
#define SPACE 32u

typedef struct {
    PyObject_HEAD
    uint64_t p;
    uint64_t mix;
    unsigned shift;
    uint64_t char_salt[N_SIZES];
    uint64_t w1_salt;
    uint64_t w2_salt;
    uint64_t bigram_xor;
} Hasher;

static inline Py_ssize_t bucket(const Hasher *self, uint64_t h, uint64_t salt)
{
    return (Py_ssize_t)(((h ^ salt) * self->mix) >> self->shift);
}

static inline void add_row(double *acc, const float *table, Py_ssize_t row, Py_ssize_t cols)
{
    const float *r = table + row * cols;
    for (Py_ssize_t j = 0; j < cols; j++) {
        acc[j] += r[j];
    }
}

/* Adds the rows of one text's features to acc (in double: the idf-squared column runs to
 * thousands, where float32 steps lose digits; NumPy's pairwise sums lose fewer). cp: "\0 " + text + " \0" as code points,
 * n of them; words: scratch room for n hashes. */
static void score_one(const Hasher *self, const uint32_t *cp, Py_ssize_t n, uint64_t *words,
                      const float *table, Py_ssize_t cols, double *acc)
{
    /* Character n-grams, size by size, left to right: inside the two separators and not made
     * of spaces only. */
    for (int size = 1; size <= N_SIZES; size++) {
        for (Py_ssize_t i = 1; i + size <= n - 1; i++) {
            uint64_t h = cp[i];
            int spaces = cp[i] == SPACE;
            for (int k = 1; k < size; k++) {
                h = h * self->p + cp[i + k];
                spaces += cp[i + k] == SPACE;
            }
            if (spaces < size) {
                add_row(acc, table, bucket(self, h, self->char_salt[size - 1]), cols);
            }
        }
    }
    /* Words (runs of code points that are neither a space nor a separator):
     * h = sum cp[j] * p**(r - j) over the word [l, r). */
    Py_ssize_t n_words = 0;
    Py_ssize_t i = 0;
    while (i < n) {
        if (cp[i] == SPACE || cp[i] == SEP) {
            i++;
            continue;
        }
        uint64_t h = 0;
        while (i < n && cp[i] != SPACE && cp[i] != SEP) {
            h = (h + cp[i]) * self->p;
            i++;
        }
        words[n_words++] = h;
    }
    for (Py_ssize_t w = 0; w < n_words; w++) {
        add_row(acc, table, bucket(self, words[w], self->w1_salt), cols);
    }
    for (Py_ssize_t w = 0; w + 1 < n_words; w++) {
        uint64_t h = words[w] * self->p + (words[w + 1] ^ self->bigram_xor);
        add_row(acc, table, bucket(self, h, self->w2_salt), cols);
    }
}

static int parse_u64(PyObject *obj, uint64_t *out)
{
    unsigned long long v = PyLong_AsUnsignedLongLong(obj);
    if (v == (unsigned long long)-1 && PyErr_Occurred()) {
        return 0;
    }
    *out = (uint64_t)v;
    return 1;
}

static int Hasher_init(Hasher *self, PyObject *args, PyObject *kwds)
{
    PyObject *p, *mix, *salts, *w1, *w2, *bx;
    unsigned int bits;
    static char *kwlist[] = {"p", "mix", "bits", "char_salts", "w1_salt", "w2_salt",
                             "bigram_xor", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOIOOOO", kwlist, &p, &mix, &bits, &salts, &w1,
                                     &w2, &bx)) {
        return -1;
    }
    if (bits < 1 || bits > 30) {
        PyErr_SetString(PyExc_ValueError, "bits must be between 1 and 30");
        return -1;
    }
    PyObject *seq = PySequence_Fast(salts, "char_salts must be a sequence");
    if (seq == NULL) {
        return -1;
    }
    if (PySequence_Fast_GET_SIZE(seq) != N_SIZES) {
        Py_DECREF(seq);
        PyErr_SetString(PyExc_ValueError, "char_salts must hold one salt per n-gram size (5)");
        return -1;
    }
    for (int k = 0; k < N_SIZES; k++) {
        if (!parse_u64(PySequence_Fast_GET_ITEM(seq, k), &self->char_salt[k])) {
            Py_DECREF(seq);
            return -1;
        }
    }
    Py_DECREF(seq);
    if (!parse_u64(p, &self->p) || !parse_u64(mix, &self->mix) ||
        !parse_u64(w1, &self->w1_salt) || !parse_u64(w2, &self->w2_salt) ||
        !parse_u64(bx, &self->bigram_xor)) {
        return -1;
    }
    self->shift = 64 - bits;
    return 0;
}

static int check_float_matrix(const Py_buffer *view, const char *name)
{
    if (view->ndim != 2 || view->itemsize != 4 || view->format == NULL ||
        strcmp(view->format, "f") != 0) {
        PyErr_Format(PyExc_ValueError, "%s must be a 2-d float32 array", name);
        return 0;
    }
    return 1;
}

static PyObject *Hasher_sums(Hasher *self, PyObject *args)
{
    PyObject *texts, *table_obj, *out_obj;
    if (!PyArg_ParseTuple(args, "OOO", &texts, &table_obj, &out_obj)) {
        return NULL;
    }
    if (!PyList_Check(texts)) {
        PyErr_SetString(PyExc_TypeError, "texts must be a list of str");
        return NULL;
    }
    Py_buffer table, out;
    if (PyObject_GetBuffer(table_obj, &table, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        return NULL;
    }
    if (PyObject_GetBuffer(out_obj, &out, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) <
        0) {
        PyBuffer_Release(&table);
        return NULL;
    }
    PyObject *result = NULL;
    uint32_t *cp = NULL;
    uint64_t *words = NULL;
    double *acc = NULL;
    Py_ssize_t n_texts = PyList_GET_SIZE(texts);
    if (!check_float_matrix(&table, "table") || !check_float_matrix(&out, "out")) {
        goto done;
    }
    Py_ssize_t cols = table.shape[1];
    if (table.shape[0] != ((Py_ssize_t)1 << (64 - self->shift))) {
        PyErr_SetString(PyExc_ValueError, "table must have one row per bucket (2**bits)");
        goto done;
    }
    if (out.shape[0] != n_texts || out.shape[1] != cols) {
        PyErr_SetString(PyExc_ValueError, "out must have shape (len(texts), table columns)");
        goto done;
    }
    acc = PyMem_Malloc((size_t)(cols > 0 ? cols : 1) * sizeof *acc);
    if (acc == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t room = 0;
    for (Py_ssize_t k = 0; k < n_texts; k++) {
        PyObject *text = PyList_GET_ITEM(texts, k);
        if (!PyUnicode_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "texts must be a list of str");
            goto done;
        }
        Py_ssize_t len = PyUnicode_GET_LENGTH(text);
        Py_ssize_t n = len + 4;
        if (n > room) {
            PyMem_Free(cp);
            PyMem_Free(words);
            cp = PyMem_Malloc((size_t)n * sizeof *cp);
            words = PyMem_Malloc((size_t)n * sizeof *words);
            if (cp == NULL || words == NULL) {
                PyErr_NoMemory();
                goto done;
            }
            room = n;
        }
        int kind = PyUnicode_KIND(text);
        const void *data = PyUnicode_DATA(text);
        cp[0] = SEP;
        cp[1] = SPACE;
        for (Py_ssize_t i = 0; i < len; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            cp[i + 2] = c == SEP ? SPACE : (uint32_t)c;
        }
        cp[len + 2] = SPACE;
        cp[len + 3] = SEP;
        memset(acc, 0, (size_t)cols * sizeof *acc);
        score_one(self, cp, n, words, (const float *)table.buf, cols, acc);
        float *row = (float *)out.buf + k * cols;
        for (Py_ssize_t j = 0; j < cols; j++) {
            row[j] = (float)acc[j];
        }
    }
    result = Py_NewRef(Py_None);
done:
    PyMem_Free(acc);
    PyMem_Free(cp);
    PyMem_Free(words);
    PyBuffer_Release(&out);
    PyBuffer_Release(&table);
    return result;
}

static PyMethodDef Hasher_methods[] = {
    {"sums", (PyCFunction)Hasher_sums, METH_VARARGS,
     "sums(texts, table, out): out[k] = the sum of the table rows of text k's features."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject HasherType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "salama.detect._ngrams.Hasher",
    .tp_doc = PyDoc_STR("Hash constants of the n-gram features; sums() scores texts."),
    .tp_basicsize = sizeof(Hasher),
    .tp_itemsize = 0,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Hasher_init,
    .tp_methods = Hasher_methods,
};

static struct PyModuleDef ngrams_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "salama.detect._ngrams",
    .m_doc = PyDoc_STR("Hashed n-gram scoring in C (optional; features.py is the reference)."),
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__ngrams(void)
{
    if (PyType_Ready(&HasherType) < 0) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&ngrams_module);
    if (m == NULL) {
        return NULL;
    }
    if (PyModule_AddObjectRef(m, "Hasher", (PyObject *)&HasherType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
